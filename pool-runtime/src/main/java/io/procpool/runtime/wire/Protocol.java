package io.procpool.runtime.wire;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Wire protocol version 1 (docs/protocol.md): message types and the 12-byte header that follows each frame's
 * length. Pure JDK, so that the worker JVM loads nothing else.
 */
public final class Protocol {

    public static final int VERSION = 1;
    /** Bytes of header after the 4-byte length: type, flags, reserved (2), task id (8). */
    public static final int HEADER = 12;

    public static final int HELLO = 0x01;
    public static final int TASK = 0x02;
    public static final int CANCEL = 0x03;
    public static final int SHUTDOWN = 0x04;
    /** Manager to a JVM worker started with {@code -Dprocpool.init=true}, before anything else: its initializer. */
    public static final int INIT = 0x05;
    public static final int RESULT = 0x10;
    public static final int ERROR = 0x11;
    public static final int EVENT = 0x12;
    public static final int HEARTBEAT = 0x13;
    /** Worker → manager, for workers whose HELLO lists the capability {@value #CAP_STARTED}: the task now runs. */
    public static final int STARTED = 0x14;
    /** The HELLO capability of a worker that sends {@link #STARTED} before it starts each task. */
    public static final String CAP_STARTED = "started";

    private Protocol() {
    }

    /** A readable name of a type, for messages. */
    public static String typeName(int type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case TASK -> "TASK";
            case CANCEL -> "CANCEL";
            case SHUTDOWN -> "SHUTDOWN";
            case INIT -> "INIT";
            case RESULT -> "RESULT";
            case ERROR -> "ERROR";
            case EVENT -> "EVENT";
            case HEARTBEAT -> "HEARTBEAT";
            case STARTED -> "STARTED";
            default -> "unknown type 0x" + Integer.toHexString(type);
        };
    }

    /** Writes the header into {@code b} at {@code at}. */
    public static void putHeader(byte[] b, int at, int type, long task) {
        b[at] = (byte) type;
        b[at + 1] = 0;
        b[at + 2] = 0;
        b[at + 3] = 0;
        for (int i = 0; i < 8; i++) {
            b[at + 4 + i] = (byte) (task >>> (56 - 8 * i));
        }
    }

    /** The type of the message in {@code m} (positioned at the header). */
    public static int type(ByteBuffer m) {
        return m.get(m.position()) & 0xff;
    }

    /** The task id of the message in {@code m} (positioned at the header). */
    public static long task(ByteBuffer m) {
        return m.getLong(m.position() + 4);
    }

    // ---- ERROR bodies: three length-prefixed UTF-8 strings

    /** The most characters of a message, or of a stack trace, that an ERROR body carries; the rest is cut. */
    public static final int MAX_ERROR_TEXT = 64 * 1024;
    /** The last resort when even a short ERROR cannot be encoded (the worker is out of memory). */
    private static final byte[] OUT_OF_MEMORY = errorBody(OutOfMemoryError.class.getName(),
            "the worker ran out of memory while encoding this task's error", "");

    /**
     * The ERROR body for a throwable: its class, message and stack trace text, each cut to {@link #MAX_ERROR_TEXT}
     * characters. Never throws and never fails for the throwable's size: when memory is short it falls back to
     * the class and the start of the message, then to a fixed body.
     */
    public static byte[] errorBody(Throwable t) {
        try {
            BoundedWriter stack = new BoundedWriter(MAX_ERROR_TEXT);
            t.printStackTrace(new PrintWriter(stack));
            return errorBody(t.getClass().getName(), clip(t.getMessage(), MAX_ERROR_TEXT), stack.toString());
        } catch (Throwable failed) {  // out of memory, or a getMessage/toString of the task's own that throws
            try {
                return errorBody(t.getClass().getName(), clip(messageOf(t), 1000), "(the stack trace could not be"
                        + " written: " + failed.getClass().getName() + ")");
            } catch (Throwable stillFailing) {
                return failed instanceof OutOfMemoryError || stillFailing instanceof OutOfMemoryError
                        ? OUT_OF_MEMORY.clone() : errorBody(t.getClass().getName(), "", "");
            }
        }
    }

    /** {@code t}'s message, or null when asking for it throws. */
    private static String messageOf(Throwable t) {
        try {
            return t.getMessage();
        } catch (RuntimeException | Error e) {
            return null;
        }
    }

    /** {@code text} cut to {@code max} characters, saying so; null stays null. */
    public static String clip(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        return text.substring(0, max) + "... (" + text.length() + " characters, cut)";
    }

    /** A writer that keeps the first {@code max} characters and drops the rest, so a huge trace never grows it. */
    private static final class BoundedWriter extends java.io.Writer {
        private final StringBuilder text = new StringBuilder();
        private final int max;
        private boolean cut;

        BoundedWriter(int max) {
            this.max = max;
        }

        @Override
        public void write(char[] buf, int off, int len) {
            int room = max - text.length();
            if (len > room) {
                cut = true;
            }
            text.append(buf, off, Math.max(0, Math.min(len, room)));
        }

        @Override
        public void write(String str, int off, int len) {
            int room = max - text.length();
            if (len > room) {
                cut = true;
            }
            text.append(str, off, off + Math.max(0, Math.min(len, room)));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return cut ? text + "\n\t... (cut at " + max + " characters)" : text.toString();
        }
    }

    public static byte[] errorBody(String className, String message, String stack) {
        byte[] c = className.getBytes(StandardCharsets.UTF_8);
        byte[] m = (message == null ? "" : message).getBytes(StandardCharsets.UTF_8);
        byte[] s = stack.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(12 + c.length + m.length + s.length);
        b.putInt(c.length).put(c).putInt(m.length).put(m).putInt(s.length).put(s);
        return b.array();
    }

    /**
     * Reads an ERROR body: {class, message, stack}. Every length is checked against what the body holds before it
     * sizes anything: the bytes come from a worker.
     *
     * @throws IllegalArgumentException when the body is not three length-prefixed strings that fill it exactly
     */
    public static String[] readError(ByteBuffer body) {
        String[] out = new String[3];
        for (int i = 0; i < 3; i++) {
            if (body.remaining() < 4) {
                throw new IllegalArgumentException("string " + (i + 1) + " of 3 has no length: " + body.remaining()
                        + " bytes left");
            }
            int n = body.getInt();
            if (n < 0 || n > body.remaining()) {
                throw new IllegalArgumentException("string " + (i + 1) + " of 3 claims " + Integer.toUnsignedString(n)
                        + " bytes, " + body.remaining() + " left");
            }
            byte[] text = new byte[n];
            body.get(text);
            out[i] = new String(text, StandardCharsets.UTF_8);
        }
        if (body.hasRemaining()) {
            throw new IllegalArgumentException(body.remaining() + " bytes after the third string");
        }
        return out;
    }

    // ---- HELLO

    /** A worker's HELLO: protocol version, pid, capacity and capabilities. */
    public record Hello(int version, long pid, int capacity, java.util.Set<String> capabilities) {
        public boolean has(String capability) {
            return capabilities.contains(capability);
        }
    }

    public static byte[] helloBody(long pid, int capacity, String capabilities) {
        byte[] caps = capabilities.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(12 + caps.length);
        b.putShort((short) VERSION).putInt((int) pid).putInt(capacity).putShort((short) caps.length).put(caps);
        return b.array();
    }

    /**
     * Reads a HELLO body (after the header). The capabilities field is optional (a body of 10 bytes has none); when
     * present its length is checked against the body.
     *
     * @throws IllegalArgumentException when the body is too short, of another version, or its capacity is below 1
     */
    public static Hello readHello(ByteBuffer body) {
        if (body.remaining() < 10) {
            throw new IllegalArgumentException("a HELLO of " + body.remaining() + " bytes, under the 10 it needs");
        }
        int version = body.getShort() & 0xffff;
        if (version != VERSION) {
            throw new IllegalArgumentException("a HELLO of protocol version " + version + ", not " + VERSION);
        }
        long pid = Integer.toUnsignedLong(body.getInt());
        int capacity = body.getInt();
        if (capacity < 1) {
            throw new IllegalArgumentException("a HELLO with capacity " + capacity);
        }
        java.util.Set<String> caps = java.util.Set.of();
        if (body.remaining() >= 2) {
            int n = body.getShort() & 0xffff;
            if (n > body.remaining()) {
                throw new IllegalArgumentException("a HELLO whose capabilities claim " + n + " bytes, "
                        + body.remaining() + " left");
            }
            byte[] text = new byte[n];
            body.get(text);
            caps = new java.util.HashSet<>();
            for (String c : new String(text, StandardCharsets.UTF_8).split(",")) {
                if (!c.isBlank()) {
                    caps.add(c.trim());
                }
            }
            caps = java.util.Set.copyOf(caps);
        }
        return new Hello(version, pid, capacity, caps);
    }

    /** Writes a whole frame (length, header, body) to a stream. */
    public static void writeFrame(DataOutput out, int type, long task, byte[] body, int off, int len) throws IOException {
        out.writeInt(HEADER + len);
        out.writeByte(type);
        out.writeByte(0);
        out.writeShort(0);
        out.writeLong(task);
        out.write(body, off, len);
    }

    /** Reads the 4-byte length of the next frame; -1 at a clean end of stream. */
    public static int readLength(DataInput in) throws IOException {
        try {
            return in.readInt();
        } catch (java.io.EOFException eof) {
            return -1;
        }
    }
}
