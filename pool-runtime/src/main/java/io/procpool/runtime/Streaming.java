package io.procpool.runtime;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import io.procpool.ItemResult;
import io.procpool.MapOptions;
import io.procpool.TaskFuture;
import io.procpool.runtime.dispatch.PoolConfig;

/**
 * Streams a batch through a pool's submit with a bound on tasks in flight: {@code map} and {@code mapResults} of
 * both pools. Submission is lazy, on the consuming thread (no thread of its own): taking a result submits the
 * next input, so an input of any length runs in constant memory.
 */
final class Streaming {

    private Streaming() {
    }

    /** Results (or the first failure, thrown at its item) of every item, as {@code options} say. */
    static <T, R> Stream<R> values(PoolConfig config, Iterator<? extends T> items, Function<T, TaskFuture<R>> submit,
                                   MapOptions options, Runnable onClose) {
        return stream(new Feed<>(items, submit, inFlight(config, options), options.inOrder(), true), onClose)
                .map(ItemResult::value);
    }

    /** Every item's outcome, failures included as values, as {@code options} say. */
    static <T, R> Stream<ItemResult<T, R>> results(PoolConfig config, Iterator<? extends T> items,
                                                   Function<T, TaskFuture<R>> submit, MapOptions options,
                                                   Runnable onClose) {
        return stream(new Feed<>(items, submit, inFlight(config, options), options.inOrder(), false), onClose);
    }

    /**
     * The bound of tasks in flight: the option's, or twice what the workers hold, within what the queue takes. A pool
     * that rejects when its queue is full: within its queue alone, since a burst of submits waits in the queue
     * before any is dispatched (and workers up to maxWorkers may not have started).
     */
    static int inFlight(PoolConfig config, MapOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.inFlight() > 0) {
            return options.inFlight();
        }
        long held = (long) config.maxWorkers() * (config.capacity() + config.prefetch());
        long bound = Math.min(2 * held, held + config.queueCapacity());
        if (config.queueFullPolicy() == io.procpool.QueueFullPolicy.REJECT) {
            return (int) Math.max(1, Math.min(Math.min(bound, config.queueCapacity()), 1 << 20));
        }
        return (int) Math.max(2, Math.min(bound, 1 << 20));
    }

    private static <T, R> Stream<ItemResult<T, R>> stream(Feed<T, R> feed, Runnable onClose) {
        int characteristics = feed.ordered ? Spliterator.ORDERED | Spliterator.NONNULL : Spliterator.NONNULL;
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(feed, characteristics), false)
                .onClose(feed::close).onClose(onClose);
    }

    /** One item submitted: its future, once done, is its outcome. */
    private record Pending<T, R>(T item, long index, CompletableFuture<R> future) {
    }

    /** The iterator behind the stream; used by one consuming thread at a time, as a stream's iterator is. */
    private static final class Feed<T, R> implements Iterator<ItemResult<T, R>> {
        private final Iterator<? extends T> items;
        private final Function<T, TaskFuture<R>> submit;
        private final int inFlight;
        final boolean ordered;
        private final boolean rethrow;
        private final ArrayDeque<Pending<T, R>> window = new ArrayDeque<>();  // ordered: in input order
        private final Set<Pending<T, R>> live = new HashSet<>();  // unordered: submitted, not yet taken
        private final LinkedBlockingQueue<Pending<T, R>> done = new LinkedBlockingQueue<>();  // unordered
        private int outstanding;
        private long nextIndex;
        private boolean closed;

        Feed(Iterator<? extends T> items, Function<T, TaskFuture<R>> submit, int inFlight, boolean ordered,
             boolean rethrow) {
            this.items = Objects.requireNonNull(items, "items");
            this.submit = submit;
            this.inFlight = inFlight;
            this.ordered = ordered;
            this.rethrow = rethrow;
        }

        @Override
        public boolean hasNext() {
            if (closed) {
                return false;
            }
            fill();
            return outstanding > 0;
        }

        @Override
        public ItemResult<T, R> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Pending<T, R> p;
            if (ordered) {
                p = window.poll();
            } else {
                p = take();
                live.remove(p);
            }
            outstanding--;
            ItemResult<T, R> result = outcome(p);
            if (rethrow && !result.isSuccess()) {
                close();  // the stream ends at its first failure: what is in flight is cancelled
                result.getOrThrow();
            }
            return result;
        }

        private void fill() {
            try {
                submitMore();
            } catch (RuntimeException | Error e) {  // the input failed, or the pool refused: the stream ends here
                close();  // as at a failed item: what is in flight is cancelled, closed stream or not
                throw e;
            }
        }

        private void submitMore() {
            while (outstanding < inFlight && items.hasNext()) {
                T item = items.next();
                CompletableFuture<R> f;
                try {
                    f = submit.apply(Objects.requireNonNull(item, "an item of the batch is null"));
                } catch (IllegalArgumentException | NullPointerException
                         | io.procpool.MessageTooLargeException bad) {  // this item alone cannot run
                    f = CompletableFuture.failedFuture(bad);
                }
                Pending<T, R> p = new Pending<>(item, nextIndex++, f);
                outstanding++;
                if (ordered) {
                    window.add(p);
                } else {
                    live.add(p);
                    f.whenComplete((v, e) -> done.add(p));
                }
            }
        }

        private Pending<T, R> take() {
            try {
                return done.take();
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new CompletionException("interrupted while waiting for the next result; the batch's tasks in"
                        + " flight were cancelled", e);
            }
        }

        private ItemResult<T, R> outcome(Pending<T, R> p) {
            try {
                return new ItemResult<>(p.item(), p.index(), p.future().get(), null);
            } catch (ExecutionException e) {
                return new ItemResult<>(p.item(), p.index(), null, e.getCause());
            } catch (CancellationException e) {
                return new ItemResult<>(p.item(), p.index(), null, e);
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new CompletionException("interrupted while waiting for the result of item " + p.index()
                        + "; the batch's tasks in flight were cancelled", e);
            }
        }

        /** Cancels what is in flight; the stream ends. */
        void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (Pending<T, R> p : ordered ? window : live) {
                p.future().cancel(true);
            }
            window.clear();
            live.clear();
            outstanding = 0;
        }
    }
}
