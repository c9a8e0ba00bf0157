package io.procpool.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Group commit of one kind of call to Redis: an item is sent at once when no batch is in flight; those that come while
 * one is in flight wait for it and then go together, up to {@code maxBatch}, in one call (one Lettuce command, one
 * round trip). At a low rate each batch holds one item; under load the batches grow with the rate. Items are sent in
 * the order they were queued, and at most one batch is in flight, so an outage queues one command in Lettuce.
 * Thread-safe.
 *
 * @param <P> an item waiting to be sent, with whatever future its caller waits on
 */
abstract class GroupCommit<P> {

    private final int maxBatch;
    private final ConcurrentLinkedQueue<P> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();

    GroupCommit(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    /** Sends one batch: one result per item, in order. May throw: the batch then fails. */
    abstract CompletableFuture<List<Object>> send(List<P> batch);

    /**
     * Completes item {@code i} of a batch sent: with {@code results} (the call's answer, which may be short), or with
     * {@code error} when the call failed (then {@code results} is null).
     */
    abstract void answer(P item, int i, List<Object> results, Throwable error);

    /** Queues {@code item} and sends it, now or with the next batch. */
    final void queue(P item) {
        queue.add(item);
        kick();
    }

    private void kick() {
        while (!queue.isEmpty() && sending.compareAndSet(false, true)) {
            List<P> batch = new ArrayList<>();
            for (P p; batch.size() < maxBatch && (p = queue.poll()) != null; ) {
                batch.add(p);
            }
            if (batch.isEmpty()) {
                sending.set(false);
                continue;  // another thread took them: look again
            }
            CompletableFuture<List<Object>> sent;
            try {
                sent = send(batch);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((results, error) -> {
                for (int i = 0; i < batch.size(); i++) {
                    answer(batch.get(i), i, results, error);
                }
                sending.set(false);
                kick();  // what queued meanwhile goes now
            });
            return;  // the batch's own completion sends the next one
        }
    }
}
