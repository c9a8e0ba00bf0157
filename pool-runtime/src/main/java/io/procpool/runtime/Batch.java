package io.procpool.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.procpool.TaskFuture;

/** {@code invokeAll} and {@code invokeAny} as {@code ExecutorService} has them, over any pool's submit. */
final class Batch {

    private Batch() {
    }

    /** Submits each item in order. */
    static <T, R> List<TaskFuture<R>> submitAll(Collection<? extends T> items, Function<T, TaskFuture<R>> submit) {
        List<TaskFuture<R>> out = new ArrayList<>(items.size());
        for (T item : items) {
            out.add(submit.apply(item));
        }
        return out;
    }

    /**
     * Submits every item and waits until each has ended (null {@code timeout}: however long it takes); at the
     * timeout, or when interrupted, cancels what has not ended. Returns the futures in order, all done.
     */
    static <T, R> List<TaskFuture<R>> invokeAll(Collection<? extends T> items, Function<T, TaskFuture<R>> submit,
                                                Duration timeout) throws InterruptedException {
        List<TaskFuture<R>> futures = submitAll(items, submit);
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        try {
            for (TaskFuture<R> f : futures) {
                if (f.isDone()) {
                    continue;
                }
                try {
                    if (timeout == null) {
                        f.get();
                    } else {
                        f.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    }
                } catch (ExecutionException | CancellationException ended) {
                    // done: its future says how
                } catch (TimeoutException late) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            cancelAll(futures);
            throw e;
        }
        cancelAll(futures);  // at the timeout: what has not ended is cancelled, as ExecutorService does
        return futures;
    }

    /**
     * Submits every item and returns the result of one that ended successfully, cancelling the others; throws
     * {@link ExecutionException} (with the last failure) when none did, {@link TimeoutException} past {@code timeout}.
     */
    static <T, R> R invokeAny(Collection<? extends T> items, Function<T, TaskFuture<R>> submit, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        CompletableFuture<R> first = new CompletableFuture<>();
        AtomicInteger failures = new AtomicInteger();
        List<TaskFuture<R>> futures = new ArrayList<>(items.size());
        try {
            for (T item : items) {
                TaskFuture<R> f = submit.apply(item);
                futures.add(f);
                f.whenComplete((value, error) -> {
                    if (error == null) {
                        first.complete(value);
                    } else if (failures.incrementAndGet() == items.size()) {
                        first.completeExceptionally(error);
                    }
                });
            }
            return timeout == null ? first.get() : first.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } finally {
            cancelAll(futures);
        }
    }

    private static <R> void cancelAll(List<TaskFuture<R>> futures) {
        for (TaskFuture<R> f : futures) {
            if (!f.isDone()) {
                f.cancel(true);
            }
        }
    }
}
