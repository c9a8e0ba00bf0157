package io.procpool.runtime.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.procpool.PoolFailedException;
import io.procpool.runtime.dispatch.PoolEngine.RunState;
import io.procpool.runtime.process.MemoryReserve;
import org.slf4j.Logger;

/**
 * The end of a pool: draining after {@code shutdown}, failing it (the crash-loop breaker), its termination once no
 * worker is left (every future done, the source and I/O thread closed, the termination hooks run), and the JVM
 * shutdown hook that stops the workers rather than orphan them. I/O thread, but for the waits.
 */
final class Lifecycle {

    private static final Logger LOG = io.procpool.runtime.process.Logs.logger(PoolEngine.class);

    private final PoolEngine e;
    private final CountDownLatch terminated = new CountDownLatch(1);
    /**
     * On a normal exit of the JVM (System.exit, end of main, SIGTERM): stop the workers rather than orphan them; drain
     * first when the job source asks for it ({@link JobSource#drainOnJvmExit}).
     */
    private final Thread shutdownHook = new Thread(this::onJvmExit);
    private final Set<Runnable> terminationHooks = ConcurrentHashMap.newKeySet();

    Lifecycle(PoolEngine engine) {
        this.e = engine;
    }

    /** The pool runs: from now on, a JVM exit stops it. */
    void started() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Any thread: takes no new task; the workers finish what is queued and held, then exit. */
    void shutdown() {
        synchronized (e) {
            if (e.state == RunState.RUNNING || e.state == RunState.STARTING) {
                e.state = RunState.SHUTDOWN;
            }
        }
        e.spawner.execute(this::maybeDrained);
    }

    /** I/O thread: in SHUTDOWN with nothing left, tells the workers to finish. */
    void maybeDrained() {
        // checked line mode: the workers' input ends as soon as nothing is queued (their requests are written): they
        // answer what they hold, then exit, and their exit checks their replies
        if (e.state != RunState.SHUTDOWN || !e.source.isEmpty()
                || !e.inFlight.isEmpty() && e.cfg.lineCheck() == null) {
            return;
        }
        e.supervisor.finishAll();
        maybeTerminated();
    }

    /** I/O thread: the pool can no longer start workers: fail everything queued and all that comes. */
    void failPool(String why) {
        e.failure = why;
        e.state = RunState.STOP;
        try {
            LOG.error(why);
            e.listeners.poolFailed(why);
        } catch (OutOfMemoryError full) {
            // the word is lost; the futures below must not be
        }
        failQueued();
        try {
            for (Job j : e.inFlight.values()) {
                if (!j.settled) {
                    e.settle(j, new PoolFailedException(why));
                }
            }
        } catch (OutOfMemoryError full) {
            // those left are settled as their workers' ends come in (Losses): the workers are killed now
        }
        e.supervisor.killAll();
        maybeTerminated();
    }

    /**
     * I/O thread: fails every job the source holds here with the pool's end. Never throws: a drain that cannot be
     * made (a full heap) takes nothing and is tried again; each job drained is held here until it is settled.
     */
    private void failQueued() {
        for (int tries = 0; ; tries++) {
            List<Job> jobs;
            try {
                jobs = e.drainQueued();
            } catch (OutOfMemoryError full) {
                waitForMemory(tries);
                continue;
            }
            if (jobs.isEmpty()) {
                return;
            }
            for (Job j : jobs) {
                if (!j.settled) {
                    settleSurely(j);
                }
            }
        }
    }

    /**
     * I/O thread: settles {@code j} with the pool's end, waiting out a full heap: the pool stops, and a future left
     * pending is what it must never do. The completions made so far are handed on meanwhile, so that callers who
     * wait on them can let memory go.
     */
    private void settleSurely(Job j) {
        settleSurely(j, null);
    }

    /** I/O thread: settles {@code j} with {@code failure} (null: the pool's end), waiting out a full heap. */
    void settleSurely(Job j, Throwable failure) {
        for (int tries = 0; ; tries++) {
            try {
                e.settle(j, failure != null ? failure : e.failure != null ? new PoolFailedException(e.failure)
                        : new CancellationException(e.cfg.name() + " - the pool stopped before task " + j.id + " ran"));
                return;
            } catch (OutOfMemoryError full) {
                waitForMemory(tries);
            }
        }
    }

    /** Hands on the completions made so far (their callers may then let memory go), and waits a little. */
    private void waitForMemory(int tries) {
        MemoryReserve.spend();
        try {
            e.flushCompletions();
        } catch (OutOfMemoryError still) {
            // the hand-off tries again by itself
        }
        MemoryReserve.awaitMemory(1 + tries);
    }

    /** I/O thread: once stopping and no worker is left, the pool terminates. */
    void maybeTerminated() {
        if (e.state.ordinal() < RunState.SHUTDOWN.ordinal() || e.state == RunState.TERMINATED) {
            return;
        }
        if (!e.supervisor.noneLeft()) {
            return;
        }
        if (e.state == RunState.SHUTDOWN && (!e.source.isEmpty() || !e.inFlight.isEmpty())) {
            return;
        }
        failQueued();  // stopped with work left: nothing may stay pending
        e.state = RunState.TERMINATED;
        e.updateStats();
        e.flushCompletions();
        try {
            e.source.close();
        } catch (RuntimeException ex) {
            LOG.warn("{} - closing the job source failed", e.cfg.name(), ex);
        }
        if (e.lines != null) {
            e.lines.shutdown();
        }
        e.supervisor.close();
        e.spawner.close();  // on the I/O thread it finishes on another thread; its timers go with it
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException exiting) {
            // the JVM is exiting (the hook may be what got us here), or it never was registered
        }
        // last, on the completer once every future is complete: awaitTermination returns with all of them done
        e.completer.stop(() -> {
            for (Runnable r : terminationHooks) {  // before awaitTermination returns: close() leaves no meter behind
                if (terminationHooks.remove(r)) {
                    try {
                        r.run();
                    } catch (RuntimeException ex) {
                        LOG.warn("{} - a termination hook failed", e.cfg.name(), ex);
                    }
                }
            }
            terminated.countDown();
            LOG.info("{} - terminated: {} completed, {} failed, {} restarts", e.cfg.name(), e.sink.completed.sum(),
                    e.sink.failed.sum(), e.supervisor.restarts());
        });
    }

    private void onJvmExit() {
        if (e.isTerminated()) {
            return;
        }
        if (drainsOnJvmExit()) {
            LOG.info("{} - the JVM is exiting: the workers finish what they hold (up to {})", e.cfg.name(),
                    e.cfg.shutdownTimeout());
            shutdown();
            try {
                if (awaitTermination(e.cfg.shutdownTimeout())) {
                    return;
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("{} - the JVM is exiting: stopping the workers", e.cfg.name());
        e.shutdownNow();
        try {
            awaitTermination(Duration.ofSeconds(5));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean drainsOnJvmExit() {
        try {
            return e.source.drainOnJvmExit();
        } catch (RuntimeException ex) {
            LOG.warn("{} - the job source failed to stop taking jobs at the JVM's exit", e.cfg.name(), ex);
            return false;
        }
    }

    boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code r} once the pool has terminated (at once if it has). */
    void whenTerminated(Runnable r) {
        terminationHooks.add(r);
        if (e.isTerminated() && terminationHooks.remove(r)) {
            r.run();
        }
    }
}
