package io.procpool.runtime.process;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a child's stdin, stdout or stderr goes.
 *
 * <ul>
 *   <li>{@link #NULL}: /dev/null.</li>
 *   <li>{@link #INHERIT}: the JVM's own descriptor.</li>
 *   <li>{@link #PIPE}: a pipe the caller writes ({@link ChildProcess#write}) or reads ({@link ChildProcess#read}).</li>
 *   <li>{@link #LOG}: (stdout, stderr) a pipe read by the I/O thread and relayed line by line to SLF4J; the last
 *       lines are kept to explain an exit. The default for stdout and stderr.</li>
 *   <li>{@link #file(Path)} / {@link #appendTo(Path)}: a file, truncated or appended to (stdin: read from).</li>
 * </ul>
 */
public final class Redirect {

    /** The kinds of redirect. */
    public enum Kind { NULL, INHERIT, PIPE, LOG, FILE, APPEND }

    public static final Redirect NULL = new Redirect(Kind.NULL, null);
    public static final Redirect INHERIT = new Redirect(Kind.INHERIT, null);
    public static final Redirect PIPE = new Redirect(Kind.PIPE, null);
    public static final Redirect LOG = new Redirect(Kind.LOG, null);

    private final Kind kind;
    private final Path file;

    private Redirect(Kind kind, Path file) {
        this.kind = kind;
        this.file = file;
    }

    /** A file: read from for stdin, created or truncated for stdout and stderr. */
    public static Redirect file(Path file) {
        return new Redirect(Kind.FILE, Objects.requireNonNull(file, "file"));
    }

    /** A file appended to (created when missing); for stdout and stderr. */
    public static Redirect appendTo(Path file) {
        return new Redirect(Kind.APPEND, Objects.requireNonNull(file, "file"));
    }

    public Kind kind() {
        return kind;
    }

    /** The file of a FILE or APPEND redirect, else null. */
    public Path path() {
        return file;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Redirect r && r.kind == kind && Objects.equals(r.file, file);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Objects.hashCode(file);
    }

    @Override
    public String toString() {
        return file == null ? kind.name() : kind.name() + "(" + file + ")";
    }
}
