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
 * <p>A read of the descriptor blocks and is never interrupted (a {@link FileInputStream}, not a channel). Between
 * frames it waits in {@code poll(2)} first ({@link PollIn}), so that the manager reading this worker's answers does
 * not wake it.
 */
final class FrameReader extends InputStream {

    private static final int FRAME_HEAD = 4 + Protocol.HEADER;

    private final FileDescriptor fd;
    private final InputStream in;
    private final int maxFrame;
    private final String workerId;
    private final byte[] buffer = new byte[1 << 16];
    private int pos;
    private int limit;
    /** The last frame read by {@link #next}: its task id and body. */
    long id;
    byte[] body;

    FrameReader(FileDescriptor fd, int maxFrame, String workerId) {
        this.fd = fd;
        this.in = new FileInputStream(fd);
        this.maxFrame = maxFrame;
        this.workerId = workerId;
    }

    /**
     * Reads the next frame: returns its type, its id and body in {@link #id} and {@link #body}. End of stream (between
     * frames or inside one) is an {@link EOFException}; a frame of impossible length ends the worker.
     */
    int next() throws IOException {
        fill(FRAME_HEAD);
        int len = intAt(pos);
        if (len < Protocol.HEADER || len > maxFrame) {
            protocolError("frame length " + len + " outside " + Protocol.HEADER + ".." + maxFrame);
        }
        int type = buffer[pos + 4] & 0xff;
        long v = 0;
        for (int i = pos + 8; i < pos + FRAME_HEAD; i++) {
            v = v << 8 | (buffer[i] & 0xff);
        }
        id = v;
        pos += FRAME_HEAD;
        byte[] b = new byte[len - Protocol.HEADER];
        int have = Math.min(b.length, limit - pos);
        System.arraycopy(buffer, pos, b, 0, have);
        pos += have;
        if (have < b.length) {
            readFully(b, have);  // larger than what is buffered: straight into the body
        }
        body = b;
        return type;
    }

    /** Whether the buffer holds a whole TASK frame first: {@link #next} returns it without reading the descriptor. */
    boolean taskBuffered() {
        int n = limit - pos;
        return n >= FRAME_HEAD && (buffer[pos + 4] & 0xff) == Protocol.TASK && n - 4 >= intAt(pos);
    }

    /** The attempt number in front of a TASK's body. */
    int attempt() {
        if (body.length < 2) {
            protocolError("a TASK of " + body.length + " bytes, without its attempt number");
        }
        return ((body[0] & 0xff) << 8) | (body[1] & 0xff);
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
            if (limit == 0) {
                // nothing of the next frame yet: this is where a worker waits, so it waits where the manager's
                // reading of our answers does not wake it (PollIn); the rest of a frame begun is read straight away
                PollIn.await(fd);
            }
            int r = in.read(buffer, limit, buffer.length - limit);
            if (r < 0) {
                EndGrace.arm();
                throw new EOFException();
            }
            limit += r;
        }
    }

    private void readFully(byte[] b, int from) throws IOException {
        for (int at = from; at < b.length; ) {
            int r = in.read(b, at, b.length - at);
            if (r < 0) {
                EndGrace.arm();
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
