package io.procpool;

import java.util.List;

/** The worker running the task died, on every attempt the task had. Carries the last exit status and stderr. */
public class WorkerCrashedException extends ProcpoolException {

    private final ExitStatus status;
    private final int attempts;
    private final List<String> lastLines;

    public WorkerCrashedException(String message, ExitStatus status, int attempts, List<String> lastLines) {
        super(message);
        this.status = status;
        this.attempts = attempts;
        this.lastLines = List.copyOf(lastLines);
    }

    /** How the last worker ended. */
    public ExitStatus status() {
        return status;
    }

    /** How many attempts the task had. */
    public int attempts() {
        return attempts;
    }

    /** The last worker's last stderr lines. */
    public List<String> lastLines() {
        return lastLines;
    }
}
