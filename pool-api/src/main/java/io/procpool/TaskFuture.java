package io.procpool;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The pending result of a submitted task. A {@link CompletableFuture} with the task's id and its progress events.
 *
 * <p>It completes with the result, or exceptionally with {@link TaskFailedException} (the task threw),
 * {@link TaskTimeoutException}, {@link WorkerCrashedException} (its worker died on every attempt),
 * {@link java.util.concurrent.CancellationException}, or {@link PoolFailedException}. {@code cancel(true)} on
 * a running task interrupts it in its worker; a worker that does not stop within the grace period is killed
 * and replaced. Cancelling a queued task just removes it.
 *
 * <p>A task's outcome is decided by the pool alone: {@code complete}, {@code completeExceptionally},
 * {@code obtrudeValue}, {@code obtrudeException}, {@code completeAsync} and {@code completeOnTimeout} throw
 * {@link UnsupportedOperationException} (the dependent futures {@code thenApply} and the like return are yours to
 * complete). {@link #orTimeout} stops the task, as a cancel does, and fails the future with a
 * {@link TimeoutException}; for a timeout that counts only while the task runs, use {@link TaskOptions#timeout}.
 *
 * <p><b>Where callbacks run.</b> Non-async dependents ({@code thenApply}, {@code whenComplete}, ... and
 * {@code CompletableFuture.allOf} over task futures) and {@link #onEvent} listeners run on the pool's I/O thread that
 * read the answer while they are quick (no hand-off), else on its completion threads; they are never part of the I/O
 * loop itself. They may block: a slow callback, or a {@code get()} of another task's future inside one, does not
 * stall the pool. One that blocks the I/O thread for over ~10 ms gets the I/O loop taken over by a fresh thread (its
 * own thread leaves the loop once it returns), and completions go to the completion threads until it has returned
 * and for a second after; when completions wait there while none has finished for 100 ms, the pool adds a
 * completion thread (and logs it once), as a {@code ForkJoinPool} compensates for a blocked worker; extra threads
 * leave after 30 s idle. One task's events reach its listeners one at a time, in the order emitted, and all of them
 * before its future completes; a listener that blocks holds back that task alone. Callbacks that do real work
 * belong on an executor of yours ({@code thenApplyAsync(fn, executor)}): each blocked completion thread costs
 * 100 ms of latency to the tasks behind it. Calling the pool's {@code close()} from a callback shuts the pool down
 * without waiting (a thread of the pool cannot wait for the pool to end).
 */
public class TaskFuture<R> extends CompletableFuture<R> {

    /** How the pool hears of a cancel. */
    public interface Canceller {
        void cancel(TaskFuture<?> future, boolean mayInterrupt);
    }

    private final long id;
    private final Canceller canceller;
    private static final Consumer<?>[] NONE = new Consumer<?>[0];
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<TaskFuture, Consumer[]> LISTENERS =
            AtomicReferenceFieldUpdater.newUpdater(TaskFuture.class, Consumer[].class, "listeners");
    /** Copied on write: a future nobody listens to costs no list, and an event copies nothing. */
    private volatile Consumer<?>[] listeners = NONE;

    /** Made by the pool. */
    public TaskFuture(long id, Canceller canceller) {
        this.id = id;
        this.canceller = Objects.requireNonNull(canceller, "canceller");
    }

    /** The task's id, unique within its pool. */
    public long id() {
        return id;
    }

    /**
     * Calls {@code listener} with each progress event the task emits ({@link TaskContext#emit}), in order, one at a
     * time, on a thread of the pool (see "Where callbacks run" above), before the future completes. Events emitted
     * before the listener was added are not replayed.
     */
    public TaskFuture<R> onEvent(Consumer<Object> listener) {
        Objects.requireNonNull(listener, "listener");
        while (true) {
            Consumer<?>[] now = listeners;
            Consumer<?>[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = listener;
            if (LISTENERS.compareAndSet(this, now, next)) {
                return this;
            }
        }
    }

    /** Called by the pool with an event of this task. */
    public void fireEvent(Object event) {
        for (Consumer<?> l : listeners) {
            @SuppressWarnings("unchecked")
            Consumer<Object> c = (Consumer<Object>) l;
            c.accept(event);
        }
    }

    /** Completes the future with the task's result: for the pool only. */
    protected final boolean completeByPool(R value) {
        return super.complete(value);
    }

    /** Fails the future: for the pool only. */
    protected final boolean failByPool(Throwable failure) {
        return super.completeExceptionally(failure);
    }

    /**
     * Fails the future with {@code failure} and stops the task as {@code cancel(true)} would; false when the future
     * was done first.
     */
    protected boolean stop(Throwable failure) {
        if (!failByPool(failure)) {
            return false;
        }
        canceller.cancel(this, true);
        return true;
    }

    private UnsupportedOperationException refused(String method) {
        return new UnsupportedOperationException(method + " is refused on the future of task " + id + ": a task's"
                + " outcome is decided by its pool. Stop it with cancel(true) or orTimeout(...), or complete a future"
                + " of your own (thenApply(...) returns one)");
    }

    @Override
    public boolean complete(R value) {
        throw refused("complete");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw refused("completeExceptionally");
    }

    @Override
    public void obtrudeValue(R value) {
        throw refused("obtrudeValue");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw refused("obtrudeException");
    }

    @Override
    public CompletableFuture<R> completeAsync(Supplier<? extends R> supplier, Executor executor) {
        throw refused("completeAsync");
    }

    @Override
    public CompletableFuture<R> completeAsync(Supplier<? extends R> supplier) {
        throw refused("completeAsync");
    }

    /** Refused: a value made up on a timeout would not stop the task. Use {@link #orTimeout} or a task timeout. */
    @Override
    public CompletableFuture<R> completeOnTimeout(R value, long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException("completeOnTimeout is refused on the future of task " + id + ": it"
                + " would leave the task running. Use orTimeout(...), which stops it, or TaskOptions.timeout(...)");
    }

    /**
     * Stops the task if it has not ended within {@code timeout} (counted from now, queue time included): the future
     * fails with a {@link TimeoutException} and the task is cancelled as with {@code cancel(true)}.
     */
    @Override
    public TaskFuture<R> orTimeout(long timeout, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        if (!isDone()) {
            CompletableFuture.delayedExecutor(timeout, unit).execute(() -> {
                if (!isDone()) {
                    stop(new TimeoutException("task " + id + " did not end within " + timeout + " "
                            + unit.name().toLowerCase(java.util.Locale.ROOT) + " (orTimeout); it was stopped"));
                }
            });
        }
        return this;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            canceller.cancel(this, mayInterruptIfRunning);
        }
        return cancelled;
    }

    @Override
    public String toString() {
        return "TaskFuture[" + id + "]" + super.toString().substring(super.toString().indexOf('['));
    }
}
