package io.procpool;

import java.util.List;

/**
 * An operation on a child process (pop, read, write, push) could not complete because the child has exited
 * or closed its end. Thrown at once: nothing waits on a dead child.
 */
public class ProcessExitedException extends ProcpoolException {

    private final ExitStatus status;
    private final List<String> lastLines;

    public ProcessExitedException(String message, ExitStatus status, List<String> lastLines) {
        super(message);
        this.status = status;
        this.lastLines = List.copyOf(lastLines);
    }

    /** How the child ended, or null when it is still running but closed the stream or channel. */
    public ExitStatus status() {
        return status;
    }

    /** The last lines the child wrote to a relayed stream (stderr, or stdout when it was relayed). */
    public List<String> lastLines() {
        return lastLines;
    }
}
