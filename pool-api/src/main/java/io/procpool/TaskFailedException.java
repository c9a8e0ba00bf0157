package io.procpool;

/**
 * The task threw in its worker (or its result could not be serialized). Carries the remote exception's class,
 * message and stack trace as text: the exception itself stays in the worker.
 */
public class TaskFailedException extends ProcpoolException {

    private final String remoteClass;
    private final String remoteMessage;
    private final String remoteStackTrace;

    public TaskFailedException(String message, String remoteClass, String remoteMessage, String remoteStackTrace) {
        super(message);
        this.remoteClass = remoteClass;
        this.remoteMessage = remoteMessage;
        this.remoteStackTrace = remoteStackTrace;
    }

    /** The class name of the exception thrown in the worker, e.g. {@code java.lang.IllegalStateException}. */
    public String remoteClass() {
        return remoteClass;
    }

    /** Its message, or null. */
    public String remoteMessage() {
        return remoteMessage;
    }

    /** Its stack trace as the worker printed it (causes included). */
    public String remoteStackTrace() {
        return remoteStackTrace;
    }
}
