package io.procpool.runtime.process;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * Tests: an error that runs out of memory whenever anything prints it (its message, its text, its stack), as every log
 * line does when the heap is full: whoever catches it and logs it gets an {@link OutOfMemoryError} from the log call.
 */
public final class Unprintable extends Error {

    private static final long serialVersionUID = 1L;

    public Unprintable() {
        super(null, null, false, false);
    }

    private static OutOfMemoryError full() {
        return new OutOfMemoryError("test: no memory to print an error");
    }

    @Override
    public String getMessage() {
        throw full();
    }

    @Override
    public String getLocalizedMessage() {
        throw full();
    }

    @Override
    public String toString() {
        throw full();
    }

    @Override
    public StackTraceElement[] getStackTrace() {
        throw full();
    }

    @Override
    public void printStackTrace(PrintStream s) {
        throw full();
    }

    @Override
    public void printStackTrace(PrintWriter s) {
        throw full();
    }
}
