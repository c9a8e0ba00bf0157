package io.procpool;

/** The pool could not start its workers, or stopped starting them: it serves no task. The message says why. */
public class PoolFailedException extends ProcpoolException {

    public PoolFailedException(String message) {
        super(message);
    }

    public PoolFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
