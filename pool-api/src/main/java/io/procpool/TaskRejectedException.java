package io.procpool;

/** A task was not accepted: the submission queue is full (and the pool rejects rather than waits), or the pool is shut down. */
public class TaskRejectedException extends ProcpoolException {

    public TaskRejectedException(String message) {
        super(message);
    }
}
