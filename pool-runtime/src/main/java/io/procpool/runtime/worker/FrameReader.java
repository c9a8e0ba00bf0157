package io.procpool.runtime.worker;

import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

import io.procpool.runtime.wire.Protocol;

/**
 * The worker's reading side of the channel: one buffer over the descriptor and whole frames out of it, and whether a
 * whole TASK already waits in the buffer ({@link #taskBuffered}), so a thread that has just run a task can take the
 * next one and put its STARTED in the same write as the answer. One thread at a time reads (the reader, or in a
 * capacity-1 worker whichever thread holds the reading, handed over under a lock). It is also the stream
 * {@link WorkerInit} reads the INIT frame from, before any frame is read here.
 *
 * <p>A frame's body is left in the buffer when it is whole there: the reader either copies it into the array of the
 * thread that will run it now ({@link #bodyInto}, reused from task to task: no array per task) or into a new one
 * ({@link #bodyCopy}, for a task that waits in a queue), before anything reads the descriptor again.
 *
 * <p>A read of the descriptor blocks and is never interrupted (a {@link FileInputStream}, not a channel).
 */
final class FrameReader extends InputStream {

    private static final int FRAME_HEAD = 4 + Protocol.HEADER;

    private final InputStream in;
    private final int maxFrame;
    private final String workerId;
    /** The size of the read buffer. */
    static final int BUFFER = 1 << 16;

    private final byte[] buffer = new byte[BUFFER];
    private int pos;
    private int limit;
    /** The last frame read by {@link #next}: its task id, and its body's length. */
    long id;
    int length;
    /** Where the last frame's body is: at {@link #at} in {@link #buffer} (when whole there), else this array. */
    private byte[] body;
    private int at;

    FrameReader(FileDescriptor fd, int maxFrame, String workerId) {
        this(new FileInputStream(fd), maxFrame, workerId);
    }

    /** Over any stream (the tests' own). */
    FrameReader(InputStream in, int maxFrame, String workerId) {
        this.in = in;
        this.maxFrame = maxFrame;
        this.workerId = workerId;
    }

    /**
     * Reads the next frame: returns its type, its id in {@link #id}, its body's length in {@link #length}; the body is
     * {@link #bodyInto} or {@link #bodyCopy}, valid until the next call. End of stream (between frames or inside one)
     * is an {@link EOFException}; a frame of impossible length ends the worker.
     */
    int next() throws IOException {
        fill(FRAME_HEAD);
        int len = intAt(pos);
        if (len < Protocol.HEADER || len > maxFrame) {
            protocolError("frame length " + len + " outside " + Protocol.HEADER + ".." + maxFrame);
        }
        length = len - Protocol.HEADER;
        if (FRAME_HEAD + length <= buffer.length) {
            fill(FRAME_HEAD + length);  // the rest of the frame, and whatever else has come, in one read
            header();
            body = buffer;  // copied out by the caller, once it knows where to
            at = pos;
            pos += length;
            return buffer[at - FRAME_HEAD + 4] & 0xff;
        }
        int type = buffer[pos + 4] & 0xff;
        header();
        byte[] b = new byte[length];
        int have = limit - pos;
        System.arraycopy(buffer, pos, b, 0, have);
        pos = limit;
        readFully(b, have);  // larger than the buffer: straight into the body
        body = b;
        at = 0;
        return type;
    }

    /** Reads the task id of the frame at {@link #pos} and moves past its head. */
    private void header() {
        long v = 0;
        for (int i = pos + 8; i < pos + FRAME_HEAD; i++) {
            v = v << 8 | (buffer[i] & 0xff);
        }
        id = v;
        pos += FRAME_HEAD;
    }

    /**
     * The last frame's body in {@code reused} when it fits there (the array of the thread that runs the task now, and
     * whose last task is done), else in an array of its own.
     */
    byte[] bodyInto(byte[] reused) {
        if (body != buffer || length > reused.length) {
            return bodyCopy();
        }
        System.arraycopy(buffer, at, reused, 0, length);
        return reused;
    }

    /** The last frame's body in an array of its own, exactly as long (for a task that waits, or a frame not a task). */
    byte[] bodyCopy() {
        if (body != buffer && body.length == length) {
            return body;  // read straight into its own array
        }
        return java.util.Arrays.copyOfRange(body, at, at + length);
    }

    /** Whether the buffer holds a whole TASK frame first: {@link #next} returns it without reading the descriptor. */
    boolean taskBuffered() {
        int n = limit - pos;
        return n >= FRAME_HEAD && (buffer[pos + 4] & 0xff) == Protocol.TASK && n - 4 >= intAt(pos);
    }

    /** The attempt number in front of a TASK's body. */
    int attempt() {
        if (length < 2) {
            protocolError("a TASK of " + length + " bytes, without its attempt number");
        }
        return ((body[at] & 0xff) << 8) | (body[at + 1] & 0xff);
    }

    void protocolError(String what) {
        System.err.println("procpool worker " + workerId + ": protocol error: " + what);
        System.exit(3);
    }

    private int intAt(int at) {
        return (buffer[at] & 0xff) << 24 | (buffer[at + 1] & 0xff) << 16 | (buffer[at + 2] & 0xff) << 8
                | buffer[at + 3] & 0xff;
    }

    /** Makes the buffer hold at least {@code n} bytes (n at most its size). */
    private void fill(int n) throws IOException {
        if (limit - pos >= n) {
            return;
        }
        if (pos > 0) {
            System.arraycopy(buffer, pos, buffer, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        while (limit < n) {
            int r = in.read(buffer, limit, buffer.length - limit);
            if (r < 0) {
                throw new EOFException();
            }
            limit += r;
        }
    }

    private void readFully(byte[] b, int from) throws IOException {
        for (int at = from; at < b.length; ) {
            int r = in.read(b, at, b.length - at);
            if (r < 0) {
                throw new EOFException();
            }
            at += r;
        }
    }

    @Override
    public int read() throws IOException {
        if (pos == limit) {
            try {
                fill(1);
            } catch (EOFException end) {
                return -1;
            }
        }
        return buffer[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos == limit) {
            if (len >= buffer.length) {
                return in.read(b, off, len);
            }
            try {
                fill(1);
            } catch (EOFException end) {
                return -1;
            }
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(buffer, pos, b, off, n);
        pos += n;
        return n;
    }
}
