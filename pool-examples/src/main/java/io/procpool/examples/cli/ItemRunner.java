package io.procpool.examples.cli;

import java.util.concurrent.CompletableFuture;

/**
 * What runs a run's items: a pool of persistent workers ({@link PoolItems}) or one process per item
 * ({@link PerItem}). The run submits, waits on the futures, and stops it on Ctrl-C or a halt.
 */
interface ItemRunner extends AutoCloseable {

    /**
     * Submits item {@code number} (its input line number); the future holds its output: a reply line, or (one
     * process per item) all it wrote to stdout, each line ended by a newline.
     *
     * @throws io.procpool.PoolFailedException   when the runner can no longer run anything
     * @throws io.procpool.TaskRejectedException when it was stopped
     */
    CompletableFuture<String> submit(long number, String input);

    /** No more items will come: what was submitted still runs (persistent workers finish and exit). */
    void shutdown();

    /** Stops at once: what waits is cancelled, what runs is killed (and its future cancelled). */
    void stopNow();

    /** Whether everything it started has ended and was reaped. */
    boolean isTerminated();

    /** The processes it started and reaped. */
    long reaped();

    /** Waits for what runs, then releases everything: no child is left. */
    @Override
    void close();
}
