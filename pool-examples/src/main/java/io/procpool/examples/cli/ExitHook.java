package io.procpool.examples.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A run's JVM shutdown hook (Ctrl-C, SIGTERM): it stops the run's pool and prints the summary of what finished; the
 * JVM then exits with 128 + the signal (130 for Ctrl-C). Exactly one of the two, the end of the run or the hook,
 * prints a summary: the run {@link #claim claims} it when it ends, the hook when the JVM exits first.
 *
 * <pre>{@code
 * ExitHook hook = new ExitHook("procpool-run-exit", this::stopAndReport);
 * hook.install();
 * try { ... } finally { hook.remove(); }
 * if (!hook.claim()) return ExitHook.EXIT_INTERRUPTED;  // the hook reports
 * summary().print(err);
 * hook.printed();
 * }</pre>
 */
final class ExitHook {

    /** What a run returns when the hook took over (the JVM exits 130 after a Ctrl-C anyway). */
    static final int EXIT_INTERRUPTED = 130;

    /** How long the hook waits for what it waits for: the pool to stop, the run to print. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private final Runnable onExit;
    private final Thread thread;
    private final AtomicBoolean reported = new AtomicBoolean();
    private final CountDownLatch printed = new CountDownLatch(1);
    private volatile boolean interrupted;

    /** A hook, on a thread named {@code name}, that runs {@code onExit} (stop the pool, print the partial summary). */
    ExitHook(String name, Runnable onExit) {
        this.onExit = onExit;
        this.thread = new Thread(this::run, name);
    }

    /** Registers the hook: from now on a JVM exit runs {@code onExit}, unless the run claimed the summary. */
    void install() {
        Runtime.getRuntime().addShutdownHook(thread);
    }

    /** Whether the JVM is exiting under the run: it should stop, and the hook reports. */
    boolean interrupted() {
        return interrupted;
    }

    /** Unregisters the hook; when the JVM is already exiting it runs (or ran) anyway. */
    void remove() {
        try {
            Runtime.getRuntime().removeShutdownHook(thread);
        } catch (IllegalStateException exiting) {
            // the JVM is shutting down: the hook runs or ran, and prints the summary
        }
    }

    /** The end of the run takes the summary; false when the hook has it (the run then returns 130). */
    boolean claim() {
        return !interrupted && reported.compareAndSet(false, true);
    }

    /** The run printed its summary: a hook that started meanwhile may let the JVM halt. */
    void printed() {
        printed.countDown();
    }

    private void run() {
        interrupted = true;
        if (!reported.compareAndSet(false, true)) {
            // the run had ended and is printing its summary: let it finish before the JVM halts
            try {
                printed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        onExit.run();
    }
}
