package io.procpool.runtime.dispatch;

import java.util.ArrayList;
import java.util.List;
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
    /** The next part a {@link Completer#handLeaving hand} left to its caller (no memory to queue it); its thread's. */
    CompletionBatch left;

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

    /** Whether every item is a {@link Delivery} (no barrier). */
    static boolean deliveriesOnly(List<Runnable> batch) {
        for (int i = 0; i < batch.size(); i++) {
            if (!(batch.get(i) instanceof Delivery)) {
                return false;
            }
        }
        return true;
    }

    /** Queues its deliveries with their keys, in hand order (under the completer's lock); allocates nothing. */
    void register() {
        for (int i = 0; i < items.length; i++) {
            if (items[i] instanceof Delivery s) {
                s.batch = this;
                Ordered key = s.key;
                synchronized (key) {
                    if (key.last == null) {
                        key.first = s;
                    } else {
                        key.last.next = s;
                    }
                    key.last = s;
                }
            }
        }
    }

    /**
     * Whether every batch ahead of this barrier has finished, or holds only deliveries whose key is
     * {@link Ordered#settled settled} (a task whose future is done): what a barrier promises is that the futures
     * handed before it are done; a user callback still running in one (blocked on something outside the pool) must
     * not hold back a {@code shutdownNow}'s list or termination.
     */
    boolean settledAhead(Iterable<CompletionBatch> open) {
        for (CompletionBatch ahead : open) {
            if (ahead == this) {
                return true;
            }
            if (ahead.remaining == 0) {
                continue;
            }
            for (Runnable r : ahead.items) {
                if (!(r instanceof Delivery s) || !s.key.settled()) {
                    return false;
                }
            }
        }
        return false;
    }

    /** Cuts a batch that holds a barrier so that every barrier is a batch of its own. */
    static List<CompletionBatch> split(List<Runnable> batch) {
        List<CompletionBatch> parts = new ArrayList<>(1);
        int from = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (!(batch.get(i) instanceof Delivery)) {
                if (i > from) {
                    parts.add(new CompletionBatch(batch.subList(from, i).toArray(new Runnable[0])));
                }
                parts.add(new CompletionBatch(new Runnable[] {batch.get(i)}, true));
                from = i + 1;
            }
        }
        if (from < batch.size()) {
            parts.add(new CompletionBatch(from == 0 ? batch.toArray(new Runnable[0])
                    : batch.subList(from, batch.size()).toArray(new Runnable[0])));
        }
        return parts;
    }
}
