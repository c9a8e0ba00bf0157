package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The write side of a {@link Channel}: frames (a 4-byte big-endian length and that many bytes) appended to a direct
 * buffer from any thread and sent at once with {@code MSG_DONTWAIT}; what the socket does not take is sent by the I/O
 * thread when it becomes writable ({@code EPOLLOUT}, armed through {@code interestChanged}), and a pusher waits while
 * more than {@link #HIGH_WATER} bytes are pending. Several frames pending go out in one {@code send}.
 */
final class ChannelWriter {

    static final int HIGH_WATER = 1 << 20;
    private static final int SHUT_WR = 1;
    private static final byte[] EMPTY = new byte[0];
    private static final int INITIAL = 64 << 10;

    private final int fd;
    private final EventLoop loop;
    /** Runs on the I/O thread when the writer needs EPOLLOUT, or no longer does. */
    private final Runnable interestChanged;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private DirectBuffer out = new DirectBuffer(INITIAL);
    private int outLength;
    private int outSent;
    private boolean writeArmed;
    private String closedWhy;
    private boolean shutdownPending;

    ChannelWriter(int fd, EventLoop loop, Runnable interestChanged) {
        this.fd = fd;
        this.loop = loop;
        this.interestChanged = interestChanged;
    }

    /**
     * Appends one message and sends what the socket takes now; waits for room unless on the I/O thread.
     *
     * @return null when queued or sent, else why the channel cannot take it (the child closed its end)
     */
    String push(byte[] message, int offset, int length) throws InterruptedException {
        boolean onLoop = loop.inLoop();
        lock.lockInterruptibly();
        try {
            while (closedWhy == null && !onLoop
                    && outLength - outSent > 0 && outLength - outSent + 4 + length > HIGH_WATER) {
                room.await();
            }
            String why = appendLocked(message, offset, length, EMPTY);
            if (why == null && !writeArmed) {
                flushLocked();
            }
            return why != null ? why : closedWhy;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends one message made of {@code head} and {@code body}; sends only when {@code flush} (or when the buffer
     * passes the high-water mark). Never waits. For batching on the I/O thread.
     *
     * @return null when queued or sent, else why the channel cannot take it
     */
    String append(byte[] head, int headLength, byte[] body, boolean flush) {
        lock.lock();
        try {
            String why = appendLocked(head, 0, headLength, body);
            if (why == null && !writeArmed && (flush || outLength - outSent > HIGH_WATER)) {
                try {
                    flushLocked();
                } catch (OutOfMemoryError full) {
                    // no memory to ask for EPOLLOUT: the frame is in, and the next flush sends it; thrown, it would
                    // be taken as not sent (the dispatcher fails its task, which its worker runs all the same)
                }
            }
            return why != null ? why : closedWhy;
        } finally {
            lock.unlock();
        }
    }

    /** Sends what {@link #append} left pending. */
    void flush() {
        lock.lock();
        try {
            if (!writeArmed && closedWhy == null) {
                flushLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    /** I/O thread, on EPOLLOUT: sends what is pending. */
    void onWritable() {
        lock.lock();
        try {
            flushLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the I/O thread should watch for EPOLLOUT. */
    boolean wantsWritable() {
        lock.lock();
        try {
            return writeArmed && closedWhy == null;
        } finally {
            lock.unlock();
        }
    }

    /** Ends the manager's output once what is pending has been sent: the child reads end-of-stream. */
    void shutdownOutput() {
        lock.lock();
        try {
            if (closedWhy == null && !shutdownPending) {
                shutdownPending = true;
                flushLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The peer hung up: a last send fails with EPIPE (and wakes waiting pushers); then closed for good. */
    void hangUp() {
        lock.lock();
        try {
            flushLocked();
            closeLocked("the child closed its end of the channel");
        } finally {
            lock.unlock();
        }
    }

    /** Takes nothing more: pending bytes are dropped, pushers fail with {@code why}. */
    void close(String why) {
        lock.lock();
        try {
            closeLocked(why);
            out = DirectBuffer.NONE;  // nothing is appended once closed: its buffer goes now
        } finally {
            lock.unlock();
        }
    }

    /** Under lock: appends one frame of {@code head} then {@code body}; why not, when the channel is closed. */
    private String appendLocked(byte[] head, int headOffset, int headLength, byte[] body) {
        if (closedWhy != null) {
            return closedWhy;
        }
        if (shutdownPending) {
            return "the manager shut the channel down";
        }
        int length = headLength + body.length;
        ensureRoom(4 + length);
        ByteBuffer b = out.buffer();
        b.putInt(outLength, length);
        b.put(outLength + 4, head, headOffset, headLength);
        b.put(outLength + 4 + headLength, body, 0, body.length);
        outLength += 4 + length;
        return null;
    }

    private void ensureRoom(int bytes) {
        if (outSent > 0) {
            int pending = outLength - outSent;
            ByteBuffer b = out.buffer();
            b.put(0, b, outSent, pending);
            outLength = pending;
            outSent = 0;
        }
        if (outLength + bytes > out.capacity()) {
            int cap = out.capacity();
            while (cap < outLength + bytes) {
                cap = cap * 2 < 0 ? Integer.MAX_VALUE - 8 : cap * 2;
            }
            DirectBuffer bigger = new DirectBuffer(cap);
            bigger.buffer().put(0, out.buffer(), 0, outLength);
            out = bigger;
        }
    }

    /** Under lock: sends pending bytes until done or the socket is full (then arms EPOLLOUT). */
    private void flushLocked() {
        while (outSent < outLength) {
            long n = C.send(fd, out.address() + outSent, outLength - outSent, Native.MSG_DONTWAIT | Native.MSG_NOSIGNAL);
            if (n > 0) {
                outSent += (int) n;
                continue;
            }
            int e = Native.errno();
            if (n < 0 && e == Native.EINTR) {
                continue;
            }
            if (n < 0 && e == Native.EAGAIN) {
                if (!writeArmed) {
                    loop.execute(interestChanged);  // first: if it fails (no memory), the next flush tries again
                    writeArmed = true;
                }
                return;
            }
            closeLocked(e == Native.EPIPE || e == Native.ECONNRESET
                    ? "the child closed its end of the channel" : "send failed: " + Native.strerror(e));
            return;
        }
        outLength = 0;
        outSent = 0;
        if (shutdownPending) {
            shutdownPending = false;
            C.shutdown(fd, SHUT_WR);
            closedWhy = "the manager shut the channel down";
        }
        if (out.capacity() > 4 * HIGH_WATER) {
            out = new DirectBuffer(INITIAL);
        }
        if (writeArmed) {
            writeArmed = false;
            loop.execute(interestChanged);
        }
        room.signalAll();
    }

    private void closeLocked(String why) {
        if (closedWhy == null) {
            closedWhy = why;
        }
        outLength = 0;
        outSent = 0;
        room.signalAll();
    }
}
