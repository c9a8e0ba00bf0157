package io.procpool;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The pending result of a submitted task. A {@link CompletableFuture} with the task's id and its progress events.
 *
 * <p>It completes with the result, or exceptionally with {@link TaskFailedException} (the task threw),
 * {@link TaskTimeoutException}, {@link WorkerCrashedException} (its worker died on every attempt),
 * {@link java.util.concurrent.CancellationException}, or {@link PoolFailedException}. {@code cancel(true)} on
 * a running task interrupts it in its worker; a worker that does not stop within the grace period is killed
 * and replaced. Cancelling a queued task just removes it.
 */
public class TaskFuture<R> extends CompletableFuture<R> {

    /** How the pool hears of a cancel. */
    public interface Canceller {
        void cancel(TaskFuture<?> future, boolean mayInterrupt);
    }

    private final long id;
    private final Canceller canceller;
    private final List<Consumer<Object>> listeners = new ArrayList<>(0);

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
     * Calls {@code listener} with each progress event the task emits ({@link TaskContext#emit}), in order, on
     * the pool's completion thread. Events emitted before the listener was added are not replayed.
     */
    public TaskFuture<R> onEvent(Consumer<Object> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (listeners) {
            listeners.add(listener);
        }
        return this;
    }

    /** Called by the pool with an event of this task. */
    public void fireEvent(Object event) {
        List<Consumer<Object>> copy;
        synchronized (listeners) {
            if (listeners.isEmpty()) {
                return;
            }
            copy = List.copyOf(listeners);
        }
        for (Consumer<Object> l : copy) {
            l.accept(event);
        }
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
