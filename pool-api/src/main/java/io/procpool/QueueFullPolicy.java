package io.procpool;

/** What {@code submit} does when the submission queue is full. */
public enum QueueFullPolicy {
    /** Wait until there is room (the caller is slowed to the pool's pace). */
    WAIT,
    /** Throw {@link TaskRejectedException} at once. */
    REJECT
}
