package io.procpool.examples.cli;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.procpool.PoolFailedException;
import io.procpool.WorkerCrashedException;

/**
 * Writes each item of a run as it is handed out: its result to the output (tagged with its input under --tag), or
 * its failure to the failures ({@code LINE<TAB>INPUT<TAB>ERROR}), and either to the job log. In line mode a reply that
 * starts with {@code error: } (the reference workers' convention) fails its item. An item that did not finish (the run was
 * stopped) or that the pool could not run at all (it failed) is neither: the run reports those once. Until some
 * item has succeeded, an item whose worker crashed is held back: when the pool then fails (the command cannot work),
 * the run says so once instead of once per item.
 */
final class ItemWriter {

    /** The reply prefix that fails an item in line mode. */
    static final String ERROR_PREFIX = "error: ";

    /** How many crash failures are held back at most while no item has succeeded. */
    private static final int MAX_HELD_BACK = 4096;

    /** What became of an item. */
    enum Outcome { OK, FAILED, NOT_FINISHED, POOL_FAILED }

    private final Sink out;
    private final Sink failures;
    private final Joblog joblog;
    private final boolean tag;
    private final boolean wholeOutputs;
    private final boolean errorReplies;
    private final Function<ResultWindow.Item, String> command;
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final AtomicReference<Throwable> poolFailure = new AtomicReference<>();
    private final ArrayDeque<ResultWindow.Item> heldBack = new ArrayDeque<>();
    private volatile boolean proven;  // an item succeeded: the command works

    /**
     * @param joblog       the job log, or null
     * @param wholeOutputs results are whole outputs, newline-ended lines (one process per item), not reply lines
     * @param errorReplies a result starting with {@link #ERROR_PREFIX} fails its item (line mode)
     * @param command      the command of an item, for the job log
     */
    ItemWriter(Sink out, Sink failures, Joblog joblog, boolean tag, boolean wholeOutputs, boolean errorReplies,
               Function<ResultWindow.Item, String> command) {
        this.errorReplies = errorReplies;
        this.out = out;
        this.failures = failures;
        this.joblog = joblog;
        this.tag = tag;
        this.wholeOutputs = wholeOutputs;
        this.command = command;
    }

    /** Some item succeeded (any thread): the command works, and crash failures are written as they come. */
    void proven() {
        proven = true;
    }

    Outcome write(ResultWindow.Item it) throws IOException {
        if (proven && !heldBack.isEmpty()) {
            release();
        }
        String result;
        try {
            result = it.future().getNow(null);
        } catch (CancellationException e) {
            return Outcome.NOT_FINISHED;  // the run was stopped under it
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CancellationException) {
                return Outcome.NOT_FINISHED;
            }
            if (cause instanceof PoolFailedException) {
                poolFailure.compareAndSet(null, cause);
                return Outcome.POOL_FAILED;
            }
            if (cause instanceof WorkerCrashedException && !proven && heldBack.size() < MAX_HELD_BACK) {
                heldBack.add(it);
                return Outcome.FAILED;
            }
            fail(it, FailureText.describe(cause), cause instanceof PerItem.Failed f ? f.exitCode : 1,
                    cause instanceof PerItem.Failed f ? f.signal : 0);
            return Outcome.FAILED;
        }
        if (isError(result)) {
            fail(it, result.replace('\t', ' '), 1, 0);
            return Outcome.FAILED;
        }
        if (wholeOutputs) {
            if (!result.isEmpty()) {
                out.text(tag ? result.lines().map(l -> it.input() + "\t" + l + "\n")
                        .collect(java.util.stream.Collectors.joining()) : result);
            }
        } else {
            out.line(tag ? it.input() + "\t" + result : result);
        }
        log(it, result.length() + (wholeOutputs ? 0 : 1), 0, 0);
        ok.incrementAndGet();
        return Outcome.OK;
    }

    /**
     * At the end of the run: writes the failures held back, unless the pool failed before any item succeeded (the
     * command cannot work: they are not items' failures, and the run says so once).
     */
    void finish() throws IOException {
        if (poolFailure.get() != null && !proven) {
            heldBack.clear();
        } else {
            release();
        }
    }

    private void release() throws IOException {
        for (ResultWindow.Item it; (it = heldBack.poll()) != null; ) {
            Throwable cause = it.future().handle((v, t) -> t instanceof CompletionException c ? c.getCause() : t)
                    .join();
            fail(it, FailureText.describe(cause), 1, 0);
        }
    }

    /** Whether a result is an error reply (line mode's convention). */
    boolean isError(String result) {
        return errorReplies && result.startsWith(ERROR_PREFIX);
    }

    private void fail(ResultWindow.Item it, String error, int exitval, int signal) throws IOException {
        failures.line(it.number() + "\t" + it.input() + "\t" + error);
        log(it, 0, exitval, signal);
        failed.incrementAndGet();
        firstFailure.compareAndSet(null, "line " + it.number() + ": " + error);
    }

    private void log(ResultWindow.Item it, long received, int exitval, int signal) throws IOException {
        if (joblog != null) {
            joblog.log(it.number(), it.startMillis(), System.nanoTime() - it.startNanos(), received, exitval, signal,
                    command.apply(it));
        }
    }

    long ok() {
        return ok.get();
    }

    long failed() {
        return failed.get();
    }

    String firstFailure() {
        return firstFailure.get();
    }

    /** Why the pool could run nothing more (a crash loop, a command that cannot start), or null. */
    Throwable poolFailure() {
        return poolFailure.get();
    }

    /** Records a failure that is not an item's (the input could not be read, say). */
    void problem(String why) {
        firstFailure.compareAndSet(null, why);
    }

    void flush() throws IOException {
        out.flush();
        failures.flush();
        if (joblog != null) {
            joblog.sink().flush();
        }
    }
}
