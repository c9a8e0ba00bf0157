package io.procpool.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.procpool.ExitReason;
import io.procpool.PoolFailedException;
import io.procpool.TaskRejectedException;

/**
 * One {@code procpool run}: takes the input's items ({@link InputLines}), submits each to an {@link ItemRunner}
 * while at most {@link #window} items are between submit and output ({@link ResultWindow}), writes each result (in
 * input order, or as it completes) and each failure ({@link ItemWriter}), then prints the summary on stderr. The
 * window bounds the memory whatever the input's size. Output is flushed whenever the run would wait. An
 * {@link ExitHook} (Ctrl-C, SIGTERM) stops the runner, lets the run write what finished, and prints the summary of
 * that; {@code --halt} stops it the same way (now) or stops feeding it (soon).
 */
final class RunJob {

    /** The pool's name: in its threads' names and at the start of its messages. */
    static final String POOL_NAME = "run";

    /** What {@link #run} returns when the command cannot work: it was stopped after one message. */
    static final int EXIT_CANNOT_WORK = 2;

    private static final Duration POLL = Duration.ofMillis(100);

    /** What else a run does, beyond reading, running and writing. */
    record Options(boolean asCompleted, Halt halt, Duration stallWarning, Set<Long> skip, String command) {
    }

    private final Supplier<ItemRunner> runners;
    private final int window;
    private final Options options;
    private final InputLines lines;
    private final ItemWriter writer;
    private final PrintWriter err;
    private final BatchStats stats;
    private final Progress progress;
    private final ExitHook hook = new ExitHook("procpool-run-exit", this::onJvmExit);
    private final CountDownLatch loopEnded = new CountDownLatch(1);
    private final AtomicLong endedOk = new AtomicLong();
    private final AtomicLong endedFailed = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private volatile long taken;       // items taken from the input and run
    private volatile long skipped;     // items taken from the input and not run (--resume)
    private volatile boolean problem;  // the input, the output or the pool failed: exit 1 even if no item did
    private volatile boolean halted;   // --halt reached
    private volatile long readyNanos;
    private volatile ItemRunner runner;
    private boolean stopped;           // the run's thread stopped the runner (halt now)
    private boolean stallWarned;

    /**
     * @param runners  makes the runner (a pool is built there, after the exit hook is in place)
     * @param window   the most items between submit and output
     * @param lines    the input's items
     * @param writer   where results and failures go
     * @param err      progress, warnings and summary
     * @param stats    what the runner reports
     * @param progress the live progress, or null
     */
    RunJob(Supplier<ItemRunner> runners, int window, Options options, InputLines lines, ItemWriter writer,
           PrintWriter err, BatchStats stats, boolean showProgress, boolean terminal) {
        this.runners = runners;
        this.window = window;
        this.options = options;
        this.lines = lines;
        this.writer = writer;
        this.err = err;
        this.stats = stats;
        this.progress = showProgress ? new Progress(err, terminal, () -> taken, lines::allTaken, stats) : null;
    }

    /** The window for this many workers holding this many tasks each: enough to keep them all busy, bounded. */
    static int window(int workers, int perWorker) {
        return (int) Math.min(1 << 16, Math.max(1024L, 16L * workers * perWorker));
    }

    /**
     * Runs the input; returns 0 when every item ended ok, 1 when one failed (or the input, the output or the pool
     * did), {@link #EXIT_CANNOT_WORK} when the command cannot work (one message printed, no summary),
     * {@link ExitHook#EXIT_INTERRUPTED} when cut short.
     *
     * @throws PoolFailedException when the workers cannot start: nothing ran, no summary was printed
     */
    int run() {
        hook.install();
        try {
            try (ItemRunner r = runners.get()) {
                runner = r;
                readyNanos = System.nanoTime();
                lines.start();
                if (progress != null) {
                    progress.start();
                }
                try {
                    feed(r);
                    finishWriting();
                } finally {
                    lines.stop();
                    flushQuietly();
                    loopEnded.countDown();
                }
                if (problem || halted && options.halt().now()) {
                    r.stopNow();  // what still runs has nowhere to go, or is not wanted
                }
            }  // close(): every process has exited and was reaped
        } finally {
            lines.stop();
            if (progress != null) {
                progress.stop();
            }
            hook.remove();
        }
        if (!hook.claim()) {
            return ExitHook.EXIT_INTERRUPTED;  // the hook prints what finished
        }
        Throwable poolFailure = writer.poolFailure();
        if (poolFailure != null && writer.ok() == 0 && writer.failed() == 0) {
            err.println("procpool run: the command cannot work: " + FailureText.cannotWork(poolFailure));
            err.flush();
            hook.printed();
            return EXIT_CANNOT_WORK;
        }
        if (poolFailure != null) {
            writer.problem(FailureText.describe(poolFailure));
            problem = true;
        }
        if (skipped > 0) {
            err.println("resumed      " + skipped + " items skipped (finished in the job log)");
        }
        if (halted) {
            err.println("halted       --halt " + options.halt() + " reached: " + (options.halt().now()
                    ? "what ran was stopped" : "nothing more was started"));
        }
        summary().print(err);
        hook.printed();
        boolean successHalt = halted && options.halt().success();
        return successHalt || writer.failed() == 0 && !problem ? 0 : 1;
    }

    /** Submits every item while the window has room; writes what completed whenever it would wait. */
    private void feed(ItemRunner r) {
        ResultWindow pending = options.asCompleted() ? ResultWindow.asCompleted() : ResultWindow.inOrder();
        try {
            while (!hook.interrupted() && !halted) {
                while (pending.size() >= window) {
                    if (!writeNext(pending)) {
                        return;
                    }
                }
                InputLines.Line line = lines.poll(Duration.ZERO);
                if (line == null) {
                    writeReady(pending);
                    flush();
                    line = lines.poll(POLL);
                    if (line == null) {
                        watchStall(pending);
                        continue;
                    }
                }
                if (line.end()) {
                    break;
                }
                if (line.error() != null) {
                    fail("cannot read the input: " + line.error());
                    break;
                }
                if (options.skip().contains(line.number())) {
                    skipped++;
                    continue;
                }
                taken++;
                if (!submit(r, line, pending)) {
                    break;
                }
                writeReady(pending);
            }
            // the input is done, or the run stops: what was submitted still ends (at once when the runner stopped)
            r.shutdown();
            while (pending.size() > 0) {
                if (!writeNext(pending)) {
                    return;
                }
            }
        } catch (IOException e) {
            fail("cannot write " + (e instanceof Sink.Failed f ? f.sink : "the output") + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    /** False when the runner takes no more items. */
    private boolean submit(ItemRunner r, InputLines.Line line, ResultWindow pending) {
        CompletableFuture<String> future;
        boolean more = true;
        try {
            future = r.submit(line.number(), line.text());
        } catch (PoolFailedException e) {
            future = CompletableFuture.failedFuture(e);  // reported once, as the pool's failure
            more = false;
        } catch (TaskRejectedException e) {
            if (!hook.interrupted() && !halted && !stopped) {
                fail("the pool takes no more tasks: " + FailureText.describe(e));
            }
            taken--;  // it never ran: not an item of this run
            return false;
        } catch (IllegalArgumentException e) {
            future = CompletableFuture.failedFuture(e);  // cannot be encoded: this item fails, the others go on
        }
        future.whenComplete(this::ended);
        pending.add(new ResultWindow.Item(line.number(), line.text(), future, System.currentTimeMillis(),
                System.nanoTime()));
        return more;
    }

    /** Any thread: counts an ended item for --halt (the writer counts what it writes). */
    private void ended(String result, Throwable failure) {
        boolean ok = failure == null && !writer.isError(result);
        if (failure == null) {
            writer.proven();
        }
        if (options.halt().never()) {
            return;
        }
        boolean counted = ok || failure != null && !(failure instanceof PoolFailedException)
                && !(failure instanceof java.util.concurrent.CancellationException)
                && !(failure.getCause() instanceof java.util.concurrent.CancellationException);
        if (!counted) {
            return;
        }
        long o = ok ? endedOk.incrementAndGet() : endedOk.get();
        long f = ok ? endedFailed.get() : endedFailed.incrementAndGet();
        if (options.halt().reached(o, f)) {
            halted = true;
        }
    }

    /**
     * Once, when nothing was sent to a worker or came back for half the stall period while items wait: the pool
     * ends a silent worker's input at the full period, so the warning comes first.
     */
    private void watchStall(ResultWindow pending) {
        Duration stall = options.stallWarning();
        if (stall == null || stallWarned || pending.size() == 0
                || System.nanoTime() - stats.lastActivityNanos() < stall.toNanos() / 2) {
            return;
        }
        stallWarned = true;
        err.println((progress != null && progress.terminal() ? Progress.CLEAR_LINE : "") + "procpool run: no reply"
                + " from the workers for " + RunCommand.format(stall.dividedBy(2)) + " (" + pending.size() + " items"
                + " waiting). If " + options.command() + " is a filter whose stdout is block-buffered (C stdio, a"
                + " Python file opened with a buffer), it answers only when its buffer fills: make it flush each line"
                + " (fflush(stdout), setvbuf(stdout, NULL, _IOLBF, 0), python3 -u, stdbuf -oL). A worker silent for "
                + RunCommand.format(stall) + " has its input ended, which makes it flush (slowly: a worker start per"
                + " silence); --timeout gives up on a hung one.");
        err.flush();
    }

    private void writeReady(ResultWindow pending) throws IOException {
        for (ResultWindow.Item it; (it = pending.poll()) != null; ) {
            write(it);
        }
    }

    /**
     * Writes the next item, waiting for it; the output is flushed before any wait. False when it never comes: the
     * runner was stopped and is gone, and every future that was to end has.
     */
    private boolean writeNext(ResultWindow pending) throws IOException, InterruptedException {
        ResultWindow.Item it = pending.poll();
        if (it == null) {
            flush();
            while ((it = pending.await(POLL)) == null) {
                if ((hook.interrupted() || stopped) && runner.isTerminated()) {
                    return false;
                }
                stopOnHalt();
                watchStall(pending);
            }
        }
        write(it);
        return true;
    }

    private void write(ResultWindow.Item it) throws IOException {
        if (writer.write(it) == ItemWriter.Outcome.POOL_FAILED && !stopped) {
            stopped = true;  // the pool failed: every other item fails the same way, reported once
        }
        stopOnHalt();
    }

    private void stopOnHalt() {
        if (halted && options.halt().now() && !stopped) {
            stopped = true;
            runner.stopNow();
        }
    }

    private void fail(String why) {
        problem = true;
        writer.problem(why);
    }

    private void flush() throws IOException {
        writer.flush();
    }

    private void finishWriting() {
        try {
            writer.finish();
        } catch (IOException e) {
            fail("cannot write the failures: " + e.getMessage());
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (IOException e) {
            fail("cannot write the output: " + e.getMessage());
        }
    }

    /** The shutdown hook. It runs beside the pool's own hook, in no set order: both stop the pool, both wait. */
    private void onJvmExit() {
        ItemRunner r = runner;
        if (r != null) {
            r.stopNow();
            try {
                // the run writes what finished and flushes; it must be done before the JVM halts
                loopEnded.await(ExitHook.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (progress != null) {
            progress.stop();
        }
        summary().print(err);
        err.flush();
    }

    private Summary summary() {
        ItemRunner r = runner;
        long now = System.nanoTime();
        long ready = readyNanos;
        Map<ExitReason, Long> restarts = new EnumMap<>(stats.restartsByReason());
        restarts.remove(ExitReason.MAX_TASKS);  // checked line mode ends workers' input to check them: no restart
        return new Summary(taken, writer.ok(), writer.failed(), Duration.ofNanos(now - startNanos),
                Duration.ofNanos((ready == 0 ? now : ready) - startNanos), stats.workersStarted(),
                restarts, r == null ? 0 : r.reaped(), stats.executionQuantile(0.5),
                stats.executionQuantile(0.99), null, writer.firstFailure(), hook.interrupted());
    }
}
