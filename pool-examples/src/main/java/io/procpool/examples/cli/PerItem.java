package io.procpool.examples.cli;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitStatus;
import io.procpool.PoolFailedException;
import io.procpool.PoolListener;
import io.procpool.SpawnException;
import io.procpool.TaskOutcome;
import io.procpool.TaskRejectedException;
import io.procpool.WorkerInfo;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.ProcessSpec;
import io.procpool.runtime.process.Redirect;
import io.procpool.runtime.process.Spawner;

/**
 * One process per item ({@link CommandTemplate}), at most {@code jobs} at once, on procpool's process layer: each
 * spawned with posix_spawn in its own process group, its stdout collected, its stderr relayed (to the log, the last
 * lines kept for the failure), reaped by pidfd. An item fails with its exit status and last stderr line; one past its
 * timeout is killed with its group; one killed by a signal that the run did not send is tried again (--retries).
 * Bookkeeping is confined to the spawner's I/O thread, which runs every exit handler.
 */
final class PerItem implements ItemRunner {

    /** The runner's name: in its threads' names and the relayed stderr's logger names. */
    private static final String NAME = RunJob.POOL_NAME;

    private final CommandTemplate template;
    private final int jobs;
    private final Duration timeout;
    private final int retries;
    private final Map<String, String> env;
    private final List<PoolListener> listeners;
    private final Spawner spawner = Spawner.create(NAME);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "procpool-run-timer");
        t.setDaemon(true);
        return t;
    });
    // I/O thread only
    private final ArrayDeque<Item> waiting = new ArrayDeque<>();
    private final Set<Item> running = new HashSet<>();
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private volatile boolean stopped;
    private volatile PoolFailedException failure;
    private volatile int live;

    /** An item's failure: what happened, and its exit code and signal for the job log. */
    static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int exitCode;
        final int signal;

        Failed(String message, int exitCode, int signal) {
            super(message, null, false, false);
            this.exitCode = exitCode;
            this.signal = signal;
        }
    }

    /** A submitted item and its current attempt. */
    private static final class Item {
        final long number;
        final String input;
        final CompletableFuture<String> future = new CompletableFuture<>();
        final long submittedNanos = System.nanoTime();
        final StringBuilder out = new StringBuilder();
        int attempt;
        int slot;
        long startNanos;
        ChildProcess child;
        ScheduledFuture<?> timer;
        boolean timedOut;

        Item(long number, String input) {
            this.number = number;
            this.input = input;
        }
    }

    /** {@code listeners} hear what a pool's listeners would: processes started, items submitted, started, ended. */
    PerItem(CommandTemplate template, int jobs, Duration timeout, int retries, Map<String, String> env,
            List<PoolListener> listeners) {
        this.template = template;
        this.jobs = jobs;
        this.timeout = timeout;
        this.retries = retries;
        this.env = env;
        this.listeners = List.copyOf(listeners);
        for (int i = 1; i <= jobs; i++) {
            freeSlots.add(i);
        }
    }

    @Override
    public CompletableFuture<String> submit(long number, String input) {
        if (failure != null) {
            throw failure;
        }
        if (stopped) {
            throw new TaskRejectedException(NAME + " - stopped: it takes no new item");
        }
        Item it = new Item(number, input);
        listeners.forEach(l -> l.taskSubmitted(number));
        spawner.execute(() -> {
            waiting.add(it);
            startWaiting();
        });
        return it.future;
    }

    /** I/O thread: starts waiting items while fewer than {@code jobs} run. */
    private void startWaiting() {
        while (!stopped && running.size() < jobs && !waiting.isEmpty()) {
            start(waiting.poll());
        }
    }

    private void start(Item it) {
        List<String> argv = template.expand(it.input, it.number);
        it.attempt++;
        it.slot = freeSlots.poll();
        it.out.setLength(0);
        ProcessSpec spec = ProcessSpec.builder(argv).noChannel().name(NAME + "-" + it.slot).env(env)
                .stdin(Redirect.NULL)
                .stdoutLines(line -> it.out.append(line).append('\n'))
                .stderr(Redirect.LOG)
                .onExit(status -> ended(it, status))
                .build();
        it.startNanos = System.nanoTime();
        try {
            it.child = spawner.spawn(spec);
        } catch (SpawnException e) {
            // the program is missing or cannot be executed: no item can run
            freeSlots.add(it.slot);
            failure = new PoolFailedException(NAME + " - " + e.getMessage());
            it.future.completeExceptionally(failure);
            stopNow();
            return;
        }
        running.add(it);
        live = running.size();
        WorkerInfo info = new WorkerInfo(NAME + "-" + it.slot, it.child.pid());
        Duration wait = Duration.ofNanos(it.startNanos - it.submittedNanos);
        for (PoolListener l : listeners) {
            l.workerStarted(info);
            l.taskStarted(it.number, info.id(), it.attempt, wait);
        }
        if (timeout != null) {
            it.timer = timer.schedule(() -> spawner.execute(() -> timedOut(it)), timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void timedOut(Item it) {
        if (running.contains(it)) {
            it.timedOut = true;
            it.child.killGroup(9);
        }
    }

    /** I/O thread: an item's process was reaped (its stdout read to the end, or as far as it went). */
    private void ended(Item it, ExitStatus status) {
        running.remove(it);
        live = running.size();
        freeSlots.add(it.slot);
        if (it.timer != null) {
            it.timer.cancel(false);
        }
        List<String> stderr = it.child.lastLines();
        it.child.close();
        Duration took = Duration.ofNanos(System.nanoTime() - it.startNanos);
        if (stopped) {
            ended(it, TaskOutcome.CANCELLED, took);
            it.future.completeExceptionally(new CancellationException("stopped"));
        } else if (it.timedOut) {
            ended(it, TaskOutcome.TIMEOUT, took);
            fail(it, "timed out after " + RunCommand.format(timeout) + " (killed with its process group)", -1, 9);
        } else if (status.success()) {
            ended(it, TaskOutcome.SUCCESS, took);
            it.future.complete(it.out.toString());
        } else if (status.signal() != 0 && it.attempt <= retries) {
            listeners.forEach(l -> l.taskRetried(it.number, it.attempt + 1));
            waiting.addFirst(it);  // killed by a signal nobody here sent: try again
        } else {
            ended(it, status.signal() != 0 ? TaskOutcome.CRASH : TaskOutcome.FAILURE, took);
            fail(it, status + (stderr.isEmpty() ? "" : ": " + stderr.get(stderr.size() - 1).strip()),
                    status.signal() != 0 ? -1 : status.exitCode(), status.signal());
        }
        startWaiting();
    }

    private void ended(Item it, TaskOutcome outcome, Duration took) {
        Duration wait = Duration.ofNanos(it.startNanos - it.submittedNanos);
        listeners.forEach(l -> l.taskEnded(it.number, outcome, wait, took));
    }

    private void fail(Item it, String why, int exitCode, int signal) {
        it.future.completeExceptionally(new Failed(why, exitCode, signal));
    }

    @Override
    public void shutdown() {
        // each item's process ends on its own
    }

    @Override
    public void stopNow() {
        stopped = true;
        spawner.execute(() -> {
            for (Item it : waiting) {
                it.future.completeExceptionally(new CancellationException("stopped"));
            }
            waiting.clear();
            for (Item it : running) {
                it.child.killGroup(9);
            }
        });
    }

    @Override
    public boolean isTerminated() {
        return stopped && live == 0;
    }

    @Override
    public long reaped() {
        return spawner.reapedCount();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        spawner.close();  // what still runs (only after a stop) is killed with its group and reaped
    }
}
