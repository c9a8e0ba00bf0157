package io.procpool;

import java.util.Locale;

/** Why {@code submit} refused a task (it threw; nothing reached a worker). */
public enum RejectReason {
    /** The queue was full and the pool's policy is REJECT (or the submitter was interrupted while waiting). */
    QUEUE_FULL,
    /** The pool was shut down. */
    SHUTDOWN,
    /** The pool had failed (crash-loop breaker, or workers that cannot start). */
    POOL_FAILED,
    /** The task could not be encoded, or was over maxMessageSize. */
    INVALID;

    /** The lower-case name, as in metric tags. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
