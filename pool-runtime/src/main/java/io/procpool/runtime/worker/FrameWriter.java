package io.procpool.runtime.worker;

import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStream;

import io.procpool.runtime.wire.Protocol;

/**
 * Writes frames to the manager, straight from the thread that has them (a task thread, the reader, the heartbeat):
 * no writer thread. A task thread writes its answer before it starts its next task, and says STARTED before it runs
 * one, so the manager always knows which held task was running when a worker died.
 *
 * <p>It writes to the channel's descriptor through a {@link FileOutputStream}, not through the
 * {@code SocketChannel}: a channel is interruptible, and a write by a task thread that was interrupted (a CANCEL,
 * or a task that restores its interrupt flag) would close it for good. A stream's write is never interrupted, and
 * it writes every byte (it loops over partial writes). A frame of up to 64 KiB goes out in one write from a reused
 * buffer (with the next task's STARTED); a larger body is written as it is, after its header, with no copy.
 */
final class FrameWriter {

    private static final byte[] EMPTY = new byte[0];
    private static final int FRAME_HEAD = 4 + Protocol.HEADER;

    private final OutputStream out;
    private final RingOut ring;  // out, when it is a shared ring; else null
    private final int maxFrame;
    private final String workerId;
    private final byte[] buffer = new byte[1 << 16];
    private boolean broken;

    /** Writes to the descriptor {@code fd} (the channel: 0 for a JVM worker). */
    FrameWriter(FileDescriptor fd, int maxFrame, String workerId) {
        this.out = RingOut.open(fd);
        this.ring = out instanceof RingOut r ? r : null;
        this.maxFrame = maxFrame;
        this.workerId = workerId;
    }

    /** The largest body a frame may carry. */
    int maxBody() {
        return maxFrame - Protocol.HEADER;
    }

    /** Sends one frame. False when the manager is gone (nothing more can be sent). */
    synchronized boolean send(int type, long id, byte[] body) {
        return !broken && write(type, id, body, body.length, -1);
    }

    /**
     * Sends an answer (the first {@code length} bytes of {@code body}) and, when {@code next >= 0}, the STARTED of the
     * next task, in one write unless the answer is large.
     */
    synchronized boolean sendAnswer(int type, long id, byte[] body, int length, long next) {
        return !broken && write(type, id, body, length, next);
    }

    boolean started(long id) {
        return send(Protocol.STARTED, id, EMPTY);
    }

    /**
     * A STARTED that need not wake the manager: in the ring before the task runs (blame stays exact), taken with the
     * answer, or at the next {@link #nudge} when the task runs on. On a socket, the same as {@link #started}.
     */
    synchronized boolean startedQuietly(long id) {
        if (ring == null) {
            return started(id);
        }
        if (broken) {
            return false;
        }
        try {
            ring.writeQuietly(buffer, 0, header(0, Protocol.STARTED, id, 0));
            return true;
        } catch (IOException e) {
            broken = true;
            return false;
        }
    }

    /** Any thread, no lock: has the manager take what a quiet write left, if it may be blocked. */
    void nudge() {
        if (ring != null) {
            ring.nudge();
        }
    }

    /**
     * Writes a frame, and a STARTED for {@code next} after it when {@code next >= 0}. A body that fits the buffer is
     * copied so that everything goes out in one write; a larger one goes out as it is, after its header.
     */
    private boolean write(int type, long id, byte[] body, int length, long next) {
        try {
            if (length <= buffer.length - 2 * FRAME_HEAD) {
                int n = header(0, type, id, length);
                System.arraycopy(body, 0, buffer, n, length);
                n += length;
                if (next >= 0) {
                    n = header(n, Protocol.STARTED, next, 0);
                }
                out.write(buffer, 0, n);
            } else {
                out.write(buffer, 0, header(0, type, id, length));
                out.write(body, 0, length);
                if (next >= 0) {
                    out.write(buffer, 0, header(0, Protocol.STARTED, next, 0));
                }
            }
            return true;
        } catch (IOException e) {
            broken = true;  // the manager is gone; the worker finishes what it runs and exits
            return false;
        }
    }

    /** Puts a frame's length and header into the buffer at {@code at}; returns where its body goes. */
    private int header(int at, int type, long id, int bodyLength) {
        int len = Protocol.HEADER + bodyLength;
        buffer[at] = (byte) (len >>> 24);
        buffer[at + 1] = (byte) (len >>> 16);
        buffer[at + 2] = (byte) (len >>> 8);
        buffer[at + 3] = (byte) len;
        Protocol.putHeader(buffer, at + 4, type, id);
        return at + FRAME_HEAD;
    }

    /** The answer to a task whose body is too big for a frame: an ERROR that says so, which always fits. */
    byte[] tooLarge(int type, long id, int size) {
        String what = Protocol.typeName(type) + " of task " + id + " is " + size + " bytes, over the pool's"
                + " maxMessageSize of " + maxBody() + "; raise the pool's maxMessageSize, or send less";
        System.err.println("procpool worker " + workerId + ": " + what);
        return Protocol.errorBody("io.procpool.MessageTooLargeException", what, "");
    }
}
