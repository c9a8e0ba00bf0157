package io.procpool;

import java.time.Duration;

/**
 * Hears what happens in a pool: the one event stream that logs, metrics and your own code hang off. Every method
 * does nothing by default; override the ones you need.
 *
 * <p>Methods are called on the pool's own threads: worker and dispatch events on its I/O thread, {@link #taskEnded}
 * on the thread that completes futures, {@link #taskSubmitted}/{@link #taskRejected} on the submitter's. They must
 * be quick and must not block or call back into the pool (count, log, hand off). An exception thrown by a listener
 * is logged and otherwise ignored.
 */
public interface PoolListener {

    /** A worker process was spawned. */
    default void workerStarted(WorkerInfo worker) {
    }

    /** A worker said HELLO, {@code startup} after it was spawned. */
    default void workerReady(WorkerInfo worker, Duration startup) {
    }

    /** A worker process exited and was reaped (exactly once per worker that was started). */
    default void workerExited(WorkerInfo worker, ExitStatus status, ExitReason reason) {
    }

    /**
     * A worker is being replaced: after a crash or a kill a new process is started for its slot (now or after the
     * back-off), or, when recycled, its successor took over.
     */
    default void workerRestarted(WorkerInfo worker, ExitReason reason) {
    }

    /** The crash-loop breaker tripped, or workers can no longer be started: the pool is FAILED. */
    default void poolFailed(String why) {
    }

    /** A task entered the queue. */
    default void taskSubmitted(long taskId) {
    }

    /** {@code submit} refused a task. */
    default void taskRejected(RejectReason reason) {
    }

    /** A task was sent to a worker after waiting {@code queueWait} (attempt 2 and on: since it was put back). */
    default void taskStarted(long taskId, String workerId, int attempt, Duration queueWait) {
    }

    /** A task's worker died while running it; it goes back to the queue for attempt {@code nextAttempt}. */
    default void taskRetried(long taskId, int nextAttempt) {
    }

    /**
     * A task ended, once per task: {@code execution} from when it was (last) sent to a worker until its answer,
     * or zero for a task that never reached one.
     */
    default void taskEnded(long taskId, TaskOutcome outcome, Duration execution) {
    }

    /**
     * The same as {@link #taskEnded(long, TaskOutcome, Duration)}, with the queue wait of the attempt that ended it
     * (zero for a task that never reached a worker). By default it calls that method: override either.
     */
    default void taskEnded(long taskId, TaskOutcome outcome, Duration queueWait, Duration execution) {
        taskEnded(taskId, outcome, execution);
    }
}
