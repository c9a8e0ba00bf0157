package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;

/**
 * Reads one of a child's output pipes on the I/O thread and relays it line by line to SLF4J, keeping the last
 * lines in a shared {@link Tail}. Lines longer than 8 KiB are cut into pieces; a last line without a newline is
 * relayed at end of stream.
 */
final class OutputRelay implements EventLoop.Handler {

    private static final int MAX_LINE = 8192;
    // one read buffer for all relays: they all run on the I/O thread
    private static final ThreadLocal<DirectBuffer> READ_BUF = ThreadLocal.withInitial(() -> new DirectBuffer(16384));

    /** The last lines of a child's relayed streams. */
    static final class Tail {
        private final int capacity;
        private final ArrayDeque<String> lines;

        Tail(int capacity) {
            this.capacity = capacity;
            this.lines = new ArrayDeque<>(Math.max(1, capacity));
        }

        synchronized void add(String line) {
            if (capacity == 0) {
                return;
            }
            if (lines.size() == capacity) {
                lines.removeFirst();
            }
            lines.addLast(line);
        }

        synchronized List<String> snapshot() {
            return List.copyOf(lines);
        }
    }

    private final EventLoop loop;
    private final Logger log;
    private final String prefix;
    private final Tail tail;
    private final int maxLine;
    private byte[] line;  // grows to maxLine as long lines come: a relay per child must not cost maxLine up front
    private final java.util.function.Consumer<String> handler;
    private final Runnable onEnd;
    /** Lines containing it are logged at DEBUG and kept out of the tail ({@link ProcessSpec#quietLines}); or null. */
    private String quiet;
    private int lineLength;
    private int fd;
    private int token;

    OutputRelay(EventLoop loop, int fd, Logger log, String prefix, Tail tail) {
        this(loop, fd, log, prefix, tail, null, null, MAX_LINE);
    }

    /**
     * The relays of a child's {@link Redirect#LOG} streams (the descriptors from its spawn, -1 for none): stdout to
     * the spec's line handler or to the child's log, stderr to its log; both feed {@code tail}.
     */
    static List<OutputRelay> forChild(EventLoop loop, ProcessSpec spec, int pid, int stdoutFd, int stderrFd,
                                      Tail tail) {
        List<OutputRelay> relays = new ArrayList<>(2);
        if (stdoutFd >= 0) {
            Logger outLog = Logs.child(spec.name(), false);
            relays.add(spec.stdoutLines() != null
                    ? new OutputRelay(loop, stdoutFd, outLog, "", tail, spec.stdoutLines(), spec.stdoutEnd(),
                            spec.maxMessageSize())
                    : new OutputRelay(loop, stdoutFd, outLog, "[" + spec.name() + " " + pid + " stdout]", tail));
        }
        if (stderrFd >= 0) {
            relays.add(new OutputRelay(loop, stderrFd, Logs.child(spec.name(), true),
                    "[" + spec.name() + " " + pid + " stderr]", tail));
        }
        for (OutputRelay r : relays) {
            r.quiet = spec.quietLines();
        }
        return relays;
    }

    /**
     * A relay that hands lines (up to {@code maxLine} bytes) to {@code handler} rather than to the log, and runs
     * {@code onEnd} (if not null) at end of stream.
     */
    OutputRelay(EventLoop loop, int fd, Logger log, String prefix, Tail tail,
                java.util.function.Consumer<String> handler, Runnable onEnd, int maxLine) {
        this.handler = handler;
        this.onEnd = onEnd;
        this.maxLine = maxLine;
        this.line = new byte[Math.min(maxLine, 256)];
        this.loop = loop;
        this.fd = fd;
        this.log = log;
        this.prefix = prefix;
        this.tail = tail;
    }

    /** Loop thread: starts reading. */
    void start() {
        int fl = C.fcntl(fd, Native.F_GETFL, 0);
        C.fcntl(fd, Native.F_SETFL, fl | Native.O_NONBLOCK);
        token = loop.register(fd, Native.EPOLLIN, this);
    }

    @Override
    public void onEvents(int events) {
        drain();
    }

    /** Loop thread: reads all that is there; at end of stream relays the partial line and closes. */
    void drain() {
        if (fd < 0) {
            return;
        }
        DirectBuffer direct = READ_BUF.get();
        ByteBuffer buf = direct.buffer();
        for (int rounds = 0; rounds < 64; rounds++) {
            long n = C.read(fd, direct.address(), buf.capacity());
            if (n > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf.get(i);
                    if (b == '\n') {
                        emit();
                    } else {
                        if (lineLength == line.length) {
                            line = java.util.Arrays.copyOf(line, (int) Math.min(maxLine, 2L * line.length));
                        }
                        line[lineLength++] = b;
                        if (lineLength == maxLine) {
                            emit();
                        }
                    }
                }
                continue;
            }
            if (n < 0) {
                int e = Native.errno();
                if (e == Native.EINTR) {
                    continue;
                }
                if (e == Native.EAGAIN) {
                    return;
                }
            }
            end();  // EOF or a read error
            return;
        }
    }

    private void emit() {
        int len = lineLength;
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        String text = new String(line, 0, len, StandardCharsets.UTF_8);
        lineLength = 0;
        if (handler != null) {
            handler.accept(text);
            return;
        }
        text = escapeControls(text);
        if (quiet != null && text.contains(quiet)) {
            log.debug("{} {}", prefix, text);
            return;
        }
        tail.add(text);
        log.info("{} {}", prefix, text);
    }

    /**
     * {@code text} with its control characters written as {@code \xNN} (C0 but tab, DEL, C1) or {@code \\uNNNN}
     * (bidirectional overrides): a child's output must not drive the terminal that shows the log, nor forge log
     * lines or hide text. The same string when there is nothing to escape.
     */
    static String escapeControls(String text) {
        int i = 0;
        while (i < text.length() && !isControl(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isControl(c)) {
                sb.append(c);
            } else if (c < 0x100) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }

    private static boolean isControl(char c) {
        return (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069);
    }

    private void end() {
        if (lineLength > 0) {
            emit();
        }
        loop.deregister(fd, token);
        C.close(fd);
        fd = -1;
        if (onEnd != null) {
            try {
                onEnd.run();
            } catch (RuntimeException | Error t) {
                Logs.error(log, "{} end-of-stream handler failed", prefix, t);
            }
        }
    }

    /** Loop thread: stops at once (the child is being released). */
    void stop() {
        if (fd >= 0) {
            drain();
        }
        if (fd >= 0) {
            if (lineLength > 0) {
                emit();
            }
            loop.deregister(fd, token);
            C.close(fd);
            fd = -1;
        }
    }
}
