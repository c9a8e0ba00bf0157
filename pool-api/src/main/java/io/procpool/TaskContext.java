package io.procpool;

import java.util.Objects;
import java.util.concurrent.CancellationException;

/**
 * What a running task knows about itself, inside a worker: {@code TaskContext.current()}.
 *
 * <pre>{@code
 * pool.submit(() -> {
 *     TaskContext ctx = TaskContext.current();
 *     for (Path p : files) {
 *         ctx.checkCancelled();          // throws once the caller cancelled or the task timed out
 *         ctx.emit(p.toString());        // a progress event, delivered in order to the caller
 *     }
 *     return files.size();
 * });
 * }</pre>
 */
public interface TaskContext {

    /** The id of the task, unique within its pool. */
    long taskId();

    /** Which attempt this is: 1 the first time, 2 after the first worker died running it, and so on. */
    int attempt();

    /** The worker running the task, for example {@code thumbs-3}. */
    String workerId();

    /** True once the caller cancelled the task or its timeout passed; the task's thread is interrupted too. */
    boolean isCancelled();

    /** Throws {@link CancellationException} once the task was cancelled. */
    default void checkCancelled() {
        if (isCancelled()) {
            throw new CancellationException("task " + taskId() + " was cancelled");
        }
    }

    /** Sends a progress event to the caller ({@link TaskFuture#onEvent}); it must be serializable. */
    void emit(Object event);

    /**
     * What the pool's initializer returned in this worker ({@code TaskPool.Builder.initializer}): state the worker
     * set up once (a loaded model, a connection) and every task it runs shares; null when the pool has none. Tasks
     * of a worker with {@code capacity > 1} use it from several threads at once.
     */
    default Object workerState() {
        return Holder.workerState;
    }

    /**
     * As {@link #workerState()}, as a {@code type}.
     *
     * @throws IllegalStateException when the pool has no initializer, or it returned null
     * @throws ClassCastException    when the state is not a {@code type}
     */
    default <S> S workerState(Class<S> type) {
        Object state = workerState();
        if (state == null) {
            throw new IllegalStateException("worker " + workerId() + " has no state: the pool has no initializer, or"
                    + " it returned null (TaskPool.builder().initializer(...))");
        }
        return type.cast(state);
    }

    /** For worker implementations: sets what {@link #workerState()} gives, once, before the worker's first task. */
    static void initWorkerState(Object state) {
        Holder.workerState = state;
    }

    /**
     * The context of the task running on this thread.
     *
     * @throws IllegalStateException outside a task in a procpool worker
     */
    static TaskContext current() {
        TaskContext c = Holder.CURRENT.get();
        if (c == null) {
            throw new IllegalStateException("TaskContext.current() is only available inside a task running in a"
                    + " procpool worker");
        }
        return c;
    }

    /** For worker implementations: runs {@code body} with {@code context} as the current context. */
    static <T> T runWith(TaskContext context, Task<T> body) throws Exception {
        Objects.requireNonNull(context, "context");
        TaskContext previous = Holder.CURRENT.get();
        Holder.CURRENT.set(context);
        try {
            return body.call();
        } finally {
            Holder.CURRENT.set(previous);
        }
    }

    /** Holds the current context per thread. */
    final class Holder {
        private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();
        private static volatile Object workerState;

        private Holder() {
        }
    }
}
