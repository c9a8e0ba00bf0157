package io.procpool;

import java.util.Locale;

/**
 * Why a worker process left. The pool knows this because it either killed or stopped the worker itself (and says
 * why), or the worker died on its own ({@link #CRASH}, {@link #START_FAILED}).
 */
public enum ExitReason {
    /** Died on its own after it was ready: an exit code or a signal it did not get from the pool (OOM kill too). */
    CRASH,
    /** Exited, or was killed from outside, before it said HELLO. */
    START_FAILED,
    /** Killed by the pool: its heartbeat went silent. */
    HUNG,
    /** Killed by the pool: a task ran past its timeout and did not stop within the cancel grace period. */
    TIMEOUT,
    /** Killed by the pool: a cancelled task did not stop within the cancel grace period. */
    CANCEL,
    /** Killed by the pool: it broke the wire protocol. */
    PROTOCOL_ERROR,
    /** Recycled after maxTasksPerWorker tasks. */
    MAX_TASKS,
    /** Recycled above maxWorkerRss. */
    MAX_RSS,
    /** Recycled at the end of maxWorkerLifetime. */
    MAX_LIFETIME,
    /** Stopped because the pool shrank: idle past idleTimeout, or resize(). */
    SCALE_DOWN,
    /** Stopped because the pool shut down. */
    SHUTDOWN;

    /** The lower-case name, as in metric tags: {@code protocol_error}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a worker that leaves for this reason is replaced (a restart); false for scale-down and shutdown. */
    public boolean replaced() {
        return this != SCALE_DOWN && this != SHUTDOWN;
    }

    /** Whether the pool retired the worker on purpose (recycling), as opposed to losing it. */
    public boolean recycling() {
        return this == MAX_TASKS || this == MAX_RSS || this == MAX_LIFETIME;
    }
}
