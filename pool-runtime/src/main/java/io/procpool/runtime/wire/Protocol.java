package io.procpool.runtime.wire;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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
    public static final int RESULT = 0x10;
    public static final int ERROR = 0x11;
    public static final int EVENT = 0x12;
    public static final int HEARTBEAT = 0x13;

    private Protocol() {
    }

    /** A readable name of a type, for messages. */
    public static String typeName(int type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case TASK -> "TASK";
            case CANCEL -> "CANCEL";
            case SHUTDOWN -> "SHUTDOWN";
            case RESULT -> "RESULT";
            case ERROR -> "ERROR";
            case EVENT -> "EVENT";
            case HEARTBEAT -> "HEARTBEAT";
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

    /** The ERROR body for a throwable: its class, message and stack trace text. */
    public static byte[] errorBody(Throwable t) {
        StringWriter stack = new StringWriter();
        t.printStackTrace(new PrintWriter(stack));
        return errorBody(t.getClass().getName(), t.getMessage(), stack.toString());
    }

    public static byte[] errorBody(String className, String message, String stack) {
        byte[] c = className.getBytes(StandardCharsets.UTF_8);
        byte[] m = (message == null ? "" : message).getBytes(StandardCharsets.UTF_8);
        byte[] s = stack.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(12 + c.length + m.length + s.length);
        b.putInt(c.length).put(c).putInt(m.length).put(m).putInt(s.length).put(s);
        return b.array();
    }

    /** Reads an ERROR body: {class, message, stack}. */
    public static String[] readError(ByteBuffer body) {
        String[] out = new String[3];
        for (int i = 0; i < 3; i++) {
            int n = body.getInt();
            byte[] bytes = new byte[n];
            body.get(bytes);
            out[i] = new String(bytes, StandardCharsets.UTF_8);
        }
        return out;
    }

    // ---- HELLO

    public static byte[] helloBody(long pid, int capacity, String capabilities) {
        byte[] caps = capabilities.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(12 + caps.length);
        b.putShort((short) VERSION).putInt((int) pid).putInt(capacity).putShort((short) caps.length).put(caps);
        return b.array();
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
