package io.procpool;

/**
 * The root of procpool's exceptions. They are unchecked, and each message says what happened, to which pool
 * or process, and where it helps, what to change.
 */
public class ProcpoolException extends RuntimeException {

    public ProcpoolException(String message) {
        super(message);
    }

    public ProcpoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
