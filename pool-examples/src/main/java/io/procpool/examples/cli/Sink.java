package io.procpool.examples.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.function.BooleanSupplier;

/**
 * Where a run's lines go: a file, stdout or stderr. The write errors that PrintStream and PrintWriter swallow come
 * back as {@link Failed} at each flush: a closed pipe ends the run instead of feeding it to nobody.
 */
final class Sink implements Closeable {

    /** A sink could not be written; the message says why, {@link #sink} which. */
    static final class Failed extends IOException {
        final String sink;

        Failed(String sink, String message) {
            super(message);
            this.sink = sink;
        }
    }

    private final Writer writer;
    private final String name;
    private final String prefix;
    private final BooleanSupplier broken;
    private final boolean owned;

    private Sink(Writer writer, String name, String prefix, BooleanSupplier broken, boolean owned) {
        this.writer = writer;
        this.name = name;
        this.prefix = prefix;
        this.broken = broken;
        this.owned = owned;
    }

    /** A file, closed with the sink. */
    static Sink file(Writer writer, String name) {
        return new Sink(writer, name, "", () -> false, true);
    }

    /** Stdout through {@code writer}; {@code stdout} tells of write errors. */
    static Sink stdout(Writer writer, PrintStream stdout) {
        return new Sink(writer, "stdout", "", stdout::checkError, false);
    }

    /** Stderr; on a terminal each line first clears the progress line, which is redrawn after it. */
    static Sink stderr(PrintWriter err, boolean terminal) {
        return new Sink(err, "stderr", terminal ? Progress.CLEAR_LINE : "", err::checkError, false);
    }

    void line(String s) throws IOException {
        try {
            writer.write(prefix + s + "\n");  // one write: a progress update on stderr cannot cut into it
        } catch (IOException e) {
            throw new Failed(name, e.getMessage());
        }
    }

    /** Text as it is: whole lines, each already ended by a newline (a process's output). */
    void text(String s) throws IOException {
        try {
            writer.write(prefix + s);
        } catch (IOException e) {
            throw new Failed(name, e.getMessage());
        }
    }

    void flush() throws IOException {
        try {
            writer.flush();
        } catch (IOException e) {
            throw new Failed(name, e.getMessage());
        }
        if (broken.getAsBoolean()) {
            throw new Failed(name, "the stream is closed (a broken pipe?)");
        }
    }

    /** Closes a file; only flushes stdout and stderr, which are not the run's to close. */
    @Override
    public void close() throws IOException {
        if (owned) {
            writer.close();
        } else {
            writer.flush();
        }
    }
}
