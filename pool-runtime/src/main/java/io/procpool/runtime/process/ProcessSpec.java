package io.procpool.runtime.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import io.procpool.ExitStatus;

/**
 * What to start: the command, how the child sees itself, its environment and directory, where its standard
 * streams go, and whether it gets a message channel. Immutable; made with {@link #builder(String...)}.
 *
 * <pre>{@code
 * ProcessSpec spec = ProcessSpec.builder("python3", "worker.py")
 *     .argv0("procpool:thumbs:3")          // what ps shows
 *     .env("MODE", "batch")
 *     .stdout(Redirect.PIPE)
 *     .build();
 * }</pre>
 */
public final class ProcessSpec {

    /** Default largest message on the channel, each way: 16 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 << 20;
    /** Default number of messages held for {@link ChildProcess#pop()} before the I/O thread stops reading. */
    public static final int DEFAULT_INBOX_CAPACITY = 4096;
    /** Default number of relayed output lines kept to explain an exit. */
    public static final int DEFAULT_TAIL_LINES = 20;
    /** The channel's descriptor number in the child, unless told otherwise: fd 3. */
    public static final int DEFAULT_CHANNEL_FD = 3;
    /** The environment variable that names the channel's descriptor in the child. */
    public static final String CHANNEL_FD_ENV = "PROCPOOL_FD";

    private final List<String> command;
    private final String argv0;
    private final String name;
    private final boolean inheritEnvironment;
    private final Map<String, String> environment;
    private final Path directory;
    private final Redirect stdin;
    private final Redirect stdout;
    private final Redirect stderr;
    private final int channelFd;
    private final int sharedRing;
    private final int maxMessageSize;
    private final int inboxCapacity;
    private final int tailLines;
    private final MessageHandler messageHandler;
    private final Consumer<ExitStatus> exitHandler;
    private final Consumer<String> stdoutLines;
    private final Runnable stdoutEnd;
    private final String quietLines;

    private ProcessSpec(Builder b) {
        command = List.copyOf(b.command);
        argv0 = b.argv0;
        name = b.name != null ? b.name : Path.of(command.get(0)).getFileName().toString();
        inheritEnvironment = b.inheritEnvironment;
        environment = Map.copyOf(b.environment);
        directory = b.directory;
        stdin = b.stdin;
        stdout = b.stdout;
        stderr = b.stderr;
        channelFd = b.channelFd;
        sharedRing = b.sharedRing;
        maxMessageSize = b.maxMessageSize;
        inboxCapacity = b.inboxCapacity;
        tailLines = b.tailLines;
        messageHandler = b.messageHandler;
        exitHandler = b.exitHandler;
        stdoutLines = b.stdoutLines;
        stdoutEnd = b.stdoutEnd;
        quietLines = b.quietLines;
    }

    /** The handler of the child's stdout lines, or null when stdout is not read line by line for the caller. */
    public Consumer<String> stdoutLines() {
        return stdoutLines;
    }

    /** What runs when the stdout read line by line ends, or null. */
    public Runnable stdoutEnd() {
        return stdoutEnd;
    }

    /** The text that marks a logged line as the child's known chatter (logged at DEBUG), or null. */
    public String quietLines() {
        return quietLines;
    }

    /** Starts a builder for {@code command[0]} (looked up on PATH unless it holds a slash) with its arguments. */
    public static Builder builder(String... command) {
        return new Builder(List.of(command));
    }

    /** Starts a builder for the command and arguments in the list. */
    public static Builder builder(List<String> command) {
        return new Builder(command);
    }

    public List<String> command() { return command; }
    /** What the child sees as argv[0] (and {@code ps} shows); the command itself when not set. */
    public String argv0() { return argv0 != null ? argv0 : command.get(0); }
    /** The name used in logs and messages. */
    public String name() { return name; }
    public boolean inheritEnvironment() { return inheritEnvironment; }
    /** Variables set on top of the inherited environment (or the whole environment when not inherited). */
    public Map<String, String> environment() { return environment; }
    /** The working directory, or null for the JVM's. */
    public Path directory() { return directory; }
    public Redirect stdin() { return stdin; }
    public Redirect stdout() { return stdout; }
    public Redirect stderr() { return stderr; }
    /** True when the child gets a message channel. */
    public boolean hasChannel() { return channelFd >= 0; }
    /** The channel's descriptor number in the child, or -1 when it has none. */
    public int channelFd() { return channelFd; }
    /** The size of the child's shared-memory ring for what it sends, or 0 when it sends on the socket. */
    public int sharedRing() { return sharedRing; }
    public int maxMessageSize() { return maxMessageSize; }
    public int inboxCapacity() { return inboxCapacity; }
    public int tailLines() { return tailLines; }
    /** The I/O-thread handler for messages, or null when messages wait for {@link ChildProcess#pop()}. */
    public MessageHandler messageHandler() { return messageHandler; }
    /** The I/O-thread handler told of the exit after every message was delivered, or null. */
    public Consumer<ExitStatus> exitHandler() { return exitHandler; }

    @Override
    public String toString() {
        return "ProcessSpec{command=" + command + ", argv0=" + argv0() + ", name=" + name
                + ", inheritEnvironment=" + inheritEnvironment + ", environment=" + environment.keySet()
                + ", directory=" + directory + ", stdin=" + stdin + ", stdout=" + stdout + ", stderr=" + stderr
                + ", channelFd=" + channelFd + ", maxMessageSize=" + maxMessageSize + ", inboxCapacity="
                + inboxCapacity + ", tailLines=" + tailLines + "}";
    }

    /** Builds a {@link ProcessSpec}; every setter checks its argument, {@link #build()} checks combinations. */
    public static final class Builder {
        private final List<String> command;
        private String argv0;
        private String name;
        private boolean inheritEnvironment = true;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path directory;
        private Redirect stdin = Redirect.NULL;
        private Redirect stdout = Redirect.LOG;
        private Redirect stderr = Redirect.LOG;
        private int channelFd = DEFAULT_CHANNEL_FD;
        private int sharedRing;
        private Consumer<String> stdoutLines;
        private Runnable stdoutEnd;
        private String quietLines;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private int inboxCapacity = DEFAULT_INBOX_CAPACITY;
        private int tailLines = DEFAULT_TAIL_LINES;
        private MessageHandler messageHandler;
        private Consumer<ExitStatus> exitHandler;

        private Builder(List<String> command) {
            Objects.requireNonNull(command, "command");
            if (command.isEmpty()) {
                throw new IllegalArgumentException("command must name a program, got an empty list");
            }
            List<String> copy = new ArrayList<>(command.size());
            for (String s : command) {
                copy.add(checkText("command argument", s));
            }
            if (copy.get(0).isEmpty()) {
                throw new IllegalArgumentException("command[0] must name a program, got an empty string");
            }
            this.command = copy;
        }

        /** What the child sees as argv[0], for example {@code procpool:thumbs:3} so that {@code ps} names it. */
        public Builder argv0(String argv0) {
            this.argv0 = checkText("argv0", argv0);
            return this;
        }

        /** The name used in logs and error messages; the command's file name by default. */
        public Builder name(String name) {
            this.name = checkText("name", name);
            return this;
        }

        /** Whether the child starts from the JVM's environment (default true) or only from {@link #env}. */
        public Builder inheritEnvironment(boolean inherit) {
            this.inheritEnvironment = inherit;
            return this;
        }

        /** Sets one environment variable for the child. */
        public Builder env(String key, String value) {
            checkText("environment key", key);
            if (key.isEmpty() || key.indexOf('=') >= 0) {
                throw new IllegalArgumentException("environment key must be non-empty and hold no '=', got '"
                        + key + "'");
            }
            environment.put(key, checkText("environment value of " + key, value));
            return this;
        }

        /** Sets several environment variables for the child. */
        public Builder env(Map<String, String> variables) {
            variables.forEach(this::env);
            return this;
        }

        /** The child's working directory; the JVM's when not set. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Where stdin comes from; {@link Redirect#NULL} by default. LOG and APPEND are for output only. */
        public Builder stdin(Redirect redirect) {
            Objects.requireNonNull(redirect, "stdin");
            if (redirect.kind() == Redirect.Kind.LOG || redirect.kind() == Redirect.Kind.APPEND) {
                throw new IllegalArgumentException("stdin cannot be " + redirect
                        + "; use NULL, INHERIT, PIPE or file(path)");
            }
            this.stdin = redirect;
            return this;
        }

        /** Where stdout goes; {@link Redirect#LOG} by default. */
        public Builder stdout(Redirect redirect) {
            this.stdout = Objects.requireNonNull(redirect, "stdout");
            this.stdoutLines = null;
            this.stdoutEnd = null;
            return this;
        }

        /**
         * Reads the child's stdout line by line on the I/O thread and hands each line (without its newline, at most
         * maxMessageSize bytes; a longer one arrives in pieces) to {@code handler} instead of the log. A last line
         * without a newline is handed over at end of stream.
         */
        public Builder stdoutLines(Consumer<String> handler) {
            this.stdoutLines = Objects.requireNonNull(handler, "handler");
            this.stdoutEnd = null;
            this.stdout = Redirect.LOG;
            return this;
        }

        /**
         * As {@link #stdoutLines(Consumer)}, and runs {@code onEnd} on the I/O thread once stdout ends (after the
         * last line), whether the child exited or only closed it: a child that closes its stdout and lives on can
         * be told from one that exits by its exit following (or not).
         */
        public Builder stdoutLines(Consumer<String> handler, Runnable onEnd) {
            stdoutLines(handler);
            this.stdoutEnd = Objects.requireNonNull(onEnd, "onEnd");
            return this;
        }

        /**
         * Lines of the child's {@link Redirect#LOG} output that contain {@code marker} are its known chatter: they
         * are logged at DEBUG, not INFO, and left out of its last lines (a recording worker JVM's lines about its
         * AOT cache, which all name the recording's file).
         */
        public Builder quietLines(String marker) {
            Objects.requireNonNull(marker, "marker");
            if (marker.isEmpty()) {
                throw new IllegalArgumentException("quietLines marker must not be empty");
            }
            this.quietLines = marker;
            return this;
        }

        /** Where stderr goes; {@link Redirect#LOG} by default. */
        public Builder stderr(Redirect redirect) {
            this.stderr = Objects.requireNonNull(redirect, "stderr");
            return this;
        }

        /**
         * Puts the channel at this descriptor in the child (3 by default; 0 lets a JVM child open it with
         * {@code System.inheritedChannel()}). The child's environment names it in {@code PROCPOOL_FD}.
         */
        public Builder channelFd(int fd) {
            if (fd < 0 || fd > 9) {
                throw new IllegalArgumentException("channelFd must be 0..9, was " + fd);
            }
            this.channelFd = fd;
            return this;
        }

        /**
         * The child sends its messages through a ring of this many bytes (a power of two, 64 KiB to 64 MiB) in shared
         * memory rather than on the socket: its descriptor, one above the highest of the child's channel and standard
         * streams, is named in {@code PROCPOOL_RING_FD}. Only for children that speak it (procpool's JVM worker).
         * 0 (the default): the socket carries both directions.
         */
        public Builder sharedRing(int bytes) {
            if (bytes != 0 && (bytes < (64 << 10) || bytes > (64 << 20) || Integer.bitCount(bytes) != 1)) {
                throw new IllegalArgumentException("sharedRing must be 0 or a power of two from 65536 to 67108864"
                        + " bytes, was " + bytes);
            }
            this.sharedRing = bytes;
            return this;
        }

        /** No message channel: the child gets only its standard streams. */
        public Builder noChannel() {
            this.channelFd = -1;
            return this;
        }

        /** The largest message either side may send, in bytes (1 to 1 GiB; 16 MiB by default). */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 1 || bytes > (1 << 30)) {
                throw new IllegalArgumentException("maxMessageSize must be 1..1073741824 bytes, was " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /** How many received messages wait for {@code pop} before reading pauses (1 to 1,048,576; 4096). */
        public Builder inboxCapacity(int messages) {
            if (messages < 1 || messages > (1 << 20)) {
                throw new IllegalArgumentException("inboxCapacity must be 1..1048576, was " + messages);
            }
            this.inboxCapacity = messages;
            return this;
        }

        /** How many relayed output lines are kept to explain an exit (0 to 10,000; 20 by default). */
        public Builder tailLines(int lines) {
            if (lines < 0 || lines > 10_000) {
                throw new IllegalArgumentException("tailLines must be 0..10000, was " + lines);
            }
            this.tailLines = lines;
            return this;
        }

        /** Delivers messages to this handler on the I/O thread instead of queueing them for {@code pop}. */
        public Builder onMessage(MessageHandler handler) {
            this.messageHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Calls this on the I/O thread when the child has been reaped, after its last message. */
        public Builder onExit(Consumer<ExitStatus> handler) {
            this.exitHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        public ProcessSpec build() {
            if (channelFd >= 0 && channelFd <= 2) {
                Redirect clash = channelFd == 0 ? stdin : channelFd == 1 ? stdout : stderr;
                if (clash.kind() != Redirect.Kind.NULL) {
                    throw new IllegalArgumentException("channelFd " + channelFd + " is the child's "
                            + (channelFd == 0 ? "stdin" : channelFd == 1 ? "stdout" : "stderr") + ", which is "
                            + clash + "; leave that stream NULL or put the channel at fd 3");
                }
            }
            if (sharedRing != 0 && channelFd < 0) {
                throw new IllegalArgumentException("sharedRing needs a channel; this spec has noChannel()");
            }
            if (directory != null && !directory.toFile().isDirectory()) {
                throw new IllegalArgumentException("directory " + directory + " is not a directory");
            }
            return new ProcessSpec(this);
        }

        private static String checkText(String what, String s) {
            Objects.requireNonNull(s, what);
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(what + " holds a NUL character: '" + s.replace('\0', '?') + "'");
            }
            return s;
        }
    }
}
