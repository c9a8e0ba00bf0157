package io.procpool.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.procpool.PoolFailedException;
import io.procpool.TaskFailedException;
import io.procpool.TaskRejectedException;
import io.procpool.runtime.ExecPool;

/**
 * One {@code procpool run}: takes the input's lines ({@link InputLines}), submits each as a task while at most
 * {@link #window} items are between submit and output ({@link ResultWindow}), writes each result (in input order, or
 * as it completes) and each failure, then prints the summary on stderr. The window bounds the memory whatever the
 * input's size: in input order it is the reorder buffer, and a slow item holds back only that many behind it. Output
 * is flushed whenever the run would wait, so results show at once when the input trickles in. An {@link ExitHook}
 * (Ctrl-C, SIGTERM) stops the pool, lets the run write what finished, and prints the summary of that.
 */
final class RunJob {

    /** The pool's name: in its threads' names and at the start of its messages. */
    static final String POOL_NAME = "run";

    private static final Duration POLL = Duration.ofMillis(100);

    private final ExecPool.Builder<String, String> builder;
    private final int window;
    private final boolean asCompleted;
    private final InputLines lines;
    private final Sink out;
    private final Sink failures;
    private final PrintWriter err;
    private final BatchStats stats = new BatchStats();
    private final Progress progress;
    private final ExitHook hook = new ExitHook("procpool-run-exit", this::onJvmExit);
    private final CountDownLatch loopEnded = new CountDownLatch(1);
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final long startNanos = System.nanoTime();
    private volatile long taken;       // lines taken from the input: the items
    private volatile boolean problem;  // the input, the output or the pool failed: exit 1 even if no item did
    private volatile long readyNanos;
    private volatile ExecPool<String, String> pool;

    /**
     * @param builder      the configured pool, built here (with the run's listener) once the exit hook is in place
     * @param window       the most items between submit and output (and the pool's queue capacity)
     * @param asCompleted  write results as they complete rather than in input order
     * @param in           the input, UTF-8 lines
     * @param out          the results, one line each
     * @param failures     the failed items, {@code LINE<TAB>INPUT<TAB>ERROR}
     * @param err          progress and summary
     * @param showProgress whether to show progress on {@code err}
     * @param terminal     whether {@code err} is a terminal: the progress line is then redrawn in place
     */
    RunJob(ExecPool.Builder<String, String> builder, int window, boolean asCompleted, InputStream in, Sink out,
           Sink failures, PrintWriter err, boolean showProgress, boolean terminal) {
        this.builder = builder;
        this.window = window;
        this.asCompleted = asCompleted;
        this.lines = new InputLines(in);
        this.out = out;
        this.failures = failures;
        this.err = err;
        this.progress = showProgress ? new Progress(err, terminal, () -> taken, lines::allTaken, stats) : null;
    }

    /** The window for this many workers holding this many tasks each: enough to keep them all busy, bounded. */
    static int window(int workers, int prefetch) {
        return Math.min(1 << 16, Math.max(1024, 16 * workers * (prefetch + 1)));
    }

    /**
     * Runs the input through the pool; returns 0 when every item ended ok, 1 when one failed (or the input, the
     * output or the pool did), {@link ExitHook#EXIT_INTERRUPTED} when cut short.
     *
     * @throws PoolFailedException when the workers cannot start: nothing ran, no summary was printed
     */
    int run() {
        hook.install();
        try {
            try (ExecPool<String, String> p = builder.listener(stats).build()) {
                pool = p;
                readyNanos = System.nanoTime();
                lines.start();
                if (progress != null) {
                    progress.start();
                }
                try {
                    feed(p);
                } finally {
                    lines.stop();
                    flushQuietly();
                    loopEnded.countDown();
                }
                if (problem) {
                    p.shutdownNow();  // the input or output failed: what still runs has nowhere to go
                }
            }  // close(): every worker has exited and was reaped
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
        summary().print(err);
        hook.printed();
        return failed.get() == 0 && !problem ? 0 : 1;
    }

    /** Submits every line while the window has room; writes what completed whenever it would wait. */
    private void feed(ExecPool<String, String> p) {
        ResultWindow pending = asCompleted ? ResultWindow.asCompleted() : ResultWindow.inOrder();
        try {
            while (!hook.interrupted()) {
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
                taken = line.number();
                if (!submit(p, line, pending)) {
                    break;
                }
                writeReady(pending);
            }
            // the input is done, or the run stops: what was submitted still ends (at once when the pool stopped)
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

    /** False when the pool takes no more tasks. */
    private boolean submit(ExecPool<String, String> p, InputLines.Line line, ResultWindow pending) {
        CompletableFuture<String> future;
        try {
            future = p.submit(line.text());  // never waits: the queue holds the whole window
        } catch (TaskRejectedException | PoolFailedException e) {
            if (!hook.interrupted()) {
                fail("the pool takes no more tasks: " + describe(e));
            }
            taken = line.number() - 1;  // it never ran: not an item of this run
            return false;
        } catch (IllegalArgumentException e) {
            future = CompletableFuture.failedFuture(e);  // cannot be encoded: this item fails, the others go on
        }
        pending.add(new ResultWindow.Item(line.number(), line.text(), future));
        return true;
    }

    private void writeReady(ResultWindow pending) throws IOException {
        for (ResultWindow.Item it; (it = pending.poll()) != null; ) {
            write(it);
        }
    }

    /**
     * Writes the next item, waiting for it; the output is flushed before any wait. False when it never comes: the
     * pool was stopped and is gone, and every future that was to end has.
     */
    private boolean writeNext(ResultWindow pending) throws IOException, InterruptedException {
        ResultWindow.Item it = pending.poll();
        if (it == null) {
            flush();
            while ((it = pending.await(POLL)) == null) {
                if (hook.interrupted() && pool.isTerminated()) {
                    return false;
                }
            }
        }
        write(it);
        return true;
    }

    private void write(ResultWindow.Item it) throws IOException {
        String result;
        try {
            result = it.future().getNow(null);
        } catch (CancellationException e) {
            return;  // the pool was stopped under it: not finished, neither ok nor failed
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CancellationException) {
                return;
            }
            String error = describe(cause);
            failures.line(it.number() + "\t" + it.input() + "\t" + error);
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, "line " + it.number() + ": " + error);
            return;
        }
        out.line(result);
        ok.incrementAndGet();
    }

    /**
     * One line, no tab, for a failure: the worker's own error when it sent one, else what the pool says happened
     * without its {@code "run - "}; of a message that ends with the worker's last output (a crash), the first line
     * and the last of that output, which is where a traceback says what went wrong.
     */
    static String describe(Throwable t) {
        String s;
        if (t instanceof TaskFailedException f && f.remoteClass() != null) {
            s = f.remoteMessage() == null ? f.remoteClass() : f.remoteClass() + ": " + f.remoteMessage();
        } else {
            s = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        }
        List<String> lines = s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String line = lines.isEmpty() ? "" : lines.get(0);
        if (line.endsWith(":") && lines.size() > 1) {
            line += " " + lines.get(lines.size() - 1);
        }
        if (line.startsWith(POOL_NAME + " - ")) {
            line = line.substring(POOL_NAME.length() + 3);
        }
        return line.replace('\t', ' ');
    }

    private void fail(String why) {
        problem = true;
        firstFailure.compareAndSet(null, why);
    }

    private void flush() throws IOException {
        out.flush();
        failures.flush();
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
        ExecPool<String, String> p = pool;
        if (p != null) {
            p.shutdownNow();
            try {
                p.awaitTermination(ExitHook.WAIT);
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
        ExecPool<String, String> p = pool;
        long now = System.nanoTime();
        long ready = readyNanos;
        return new Summary(taken, ok.get(), failed.get(), Duration.ofNanos(now - startNanos),
                Duration.ofNanos((ready == 0 ? now : ready) - startNanos), stats.workersStarted(),
                stats.restartsByReason(), p == null ? 0 : p.reapedWorkers(), stats.executionQuantile(0.5),
                stats.executionQuantile(0.99), null, firstFailure.get(), hook.interrupted());
    }
}
