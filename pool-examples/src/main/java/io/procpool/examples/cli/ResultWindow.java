package io.procpool.examples.cli;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The items of a run between submit and output, handed out in the order they are to be written: input order
 * ({@link #inOrder()}, where the head holds back the items behind it: a reorder buffer) or completion order
 * ({@link #asCompleted()}). Its size is what the run bounds. Used by the run's thread only.
 */
interface ResultWindow {

    /** An item: its input line number and text, its pending result, and when it was submitted (epoch ms, nanos). */
    record Item(long number, String input, CompletableFuture<String> future, long startMillis, long startNanos) {
    }

    static ResultWindow inOrder() {
        return new InOrder();
    }

    static ResultWindow asCompleted() {
        return new AsCompleted();
    }

    void add(Item item);

    /** The items added and not yet handed out. */
    int size();

    /** The next item to write if it is done, else null. */
    Item poll();

    /** The next item to write, waiting at most {@code wait} for it to be done; null when it is not. */
    Item await(Duration wait) throws InterruptedException;

    /** Input order. */
    final class InOrder implements ResultWindow {
        private final ArrayDeque<Item> items = new ArrayDeque<>();

        @Override
        public void add(Item item) {
            items.add(item);
        }

        @Override
        public int size() {
            return items.size();
        }

        @Override
        public Item poll() {
            Item head = items.peek();
            return head != null && head.future().isDone() ? items.poll() : null;
        }

        @Override
        public Item await(Duration wait) throws InterruptedException {
            Item head = items.peek();
            if (head == null) {
                return null;
            }
            try {
                head.future().get(wait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return null;
            } catch (ExecutionException | CancellationException e) {
                // done: the writer tells a failure from a cancel
            }
            return items.poll();
        }
    }

    /** Completion order: each future puts its item in a queue when it ends (on the pool's completion thread). */
    final class AsCompleted implements ResultWindow {
        private final BlockingQueue<Item> done = new LinkedBlockingQueue<>();
        private int size;

        @Override
        public void add(Item item) {
            size++;
            item.future().whenComplete((value, failure) -> done.add(item));
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Item poll() {
            return handedOut(done.poll());
        }

        @Override
        public Item await(Duration wait) throws InterruptedException {
            return handedOut(done.poll(wait.toNanos(), TimeUnit.NANOSECONDS));
        }

        private Item handedOut(Item item) {
            if (item != null) {
                size--;
            }
            return item;
        }
    }
}
