package io.procpool;

import java.util.Locale;

/** How a task ended. */
public enum TaskOutcome {
    /** It returned a result. */
    SUCCESS,
    /** It threw, its result could not be read, or the pool failed under it. */
    FAILURE,
    /** It ran past its timeout ({@link TaskTimeoutException}). */
    TIMEOUT,
    /** Its worker died on every attempt ({@link WorkerCrashedException}). */
    CRASH,
    /** It was cancelled, or stopped by shutdownNow. */
    CANCELLED;

    /** The lower-case name, as in metric tags. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The outcome that a task's exception means. */
    public static TaskOutcome of(Throwable failure) {
        if (failure == null) {
            return SUCCESS;
        }
        if (failure instanceof TaskTimeoutException) {
            return TIMEOUT;
        }
        if (failure instanceof WorkerCrashedException) {
            return CRASH;
        }
        if (failure instanceof java.util.concurrent.CancellationException) {
            return CANCELLED;
        }
        return FAILURE;
    }
}
