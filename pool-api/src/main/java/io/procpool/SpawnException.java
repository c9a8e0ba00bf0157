package io.procpool;

/**
 * A child process could not be started: the command was not found or not executable, a redirect file
 * could not be opened, or the system refused (too many processes or descriptors).
 */
public class SpawnException extends ProcpoolException {

    private final int errno;

    public SpawnException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The system's error number ({@code ENOENT} = 2, {@code EACCES} = 13, ...), or 0 when there was none. */
    public int errno() {
        return errno;
    }
}
