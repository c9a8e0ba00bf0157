package io.procpool.runtime.dispatch;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A batch of completions handed to the {@link Completer}: its items are claimed in order through {@code next}, by
 * whichever completer threads work on it.
 */
final class CompletionBatch {
    private static final AtomicIntegerFieldUpdater<CompletionBatch> NEXT =
            AtomicIntegerFieldUpdater.newUpdater(CompletionBatch.class, "next");
    private static final AtomicIntegerFieldUpdater<CompletionBatch> REMAINING =
            AtomicIntegerFieldUpdater.newUpdater(CompletionBatch.class, "remaining");

    final Runnable[] items;
    final boolean barrier;
    /** The next item to claim; items not yet finished (field updaters: no atomic objects per batch). */
    volatile int next;
    volatile int remaining;

    CompletionBatch(Runnable[] items) {
        this(items, false);
    }

    CompletionBatch(Runnable[] items, boolean barrier) {
        this.items = items;
        this.barrier = barrier;
        this.remaining = items.length;
    }

    /** Claims the next item: its index (past the end when none is left). */
    int claim() {
        return NEXT.getAndIncrement(this);
    }

    /** One item finished: how many are left. */
    int finishOne() {
        return REMAINING.decrementAndGet(this);
    }
}
