package io.procpool;

import java.time.Duration;

/** The task ran longer than its timeout. It was cancelled; a worker that did not stop was killed and replaced. */
public class TaskTimeoutException extends ProcpoolException {

    private final Duration timeout;

    public TaskTimeoutException(String message, Duration timeout) {
        super(message);
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
