package io.procpool;

import java.util.List;

/**
 * The worker that ran the task broke the wire protocol (garbage, an oversize frame, an unknown message type, an
 * answer for a task it did not hold, or in line mode a line for no request): it was killed and replaced, and the
 * task failed on its last attempt. {@link #received()} quotes what the worker sent.
 */
public class ProtocolException extends WorkerCrashedException {

    private final String received;

    public ProtocolException(String message, String received, ExitStatus status, int attempts, List<String> lastLines) {
        super(message, status, attempts, lastLines);
        this.received = received;
    }

    /** What the worker sent that broke the protocol, quoted (text, or the first bytes in hex). */
    public String received() {
        return received;
    }
}
