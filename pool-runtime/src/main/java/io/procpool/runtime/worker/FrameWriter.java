package io.procpool.runtime.worker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import io.procpool.runtime.wire.Protocol;

/**
 * Writes frames to the manager, straight from the thread that has them (a task thread, the reader, the heartbeat):
 * no writer thread, no copy of the body (header and body go out in one gathering write). A task thread writes
 * its answer before it starts its next task, and says STARTED before it runs one, so the manager always knows
 * which held task was running when a worker died.
 */
final class FrameWriter {

    private static final byte[] EMPTY = new byte[0];

    private final SocketChannel channel;
    private final int maxFrame;
    private final String workerId;
    private final byte[] head = new byte[4 + Protocol.HEADER];
    private final byte[] head2 = new byte[4 + Protocol.HEADER];
    private final ByteBuffer[] one = new ByteBuffer[2];
    private final ByteBuffer[] two = new ByteBuffer[3];
    private boolean broken;

    FrameWriter(SocketChannel channel, int maxFrame, String workerId) {
        this.channel = channel;
        this.maxFrame = maxFrame;
        this.workerId = workerId;
    }

    /** The largest body a frame may carry. */
    int maxBody() {
        return maxFrame - Protocol.HEADER;
    }

    /** Sends one frame. False when the manager is gone (nothing more can be sent). */
    synchronized boolean send(int type, long id, byte[] body) {
        if (broken) {
            return false;
        }
        header(head, type, id, body.length);
        one[0] = ByteBuffer.wrap(head);
        one[1] = ByteBuffer.wrap(body);
        return writeAll(one);
    }

    /** Sends an answer and the STARTED of the next task in one write. */
    synchronized boolean sendAnswerAndStart(int type, long id, byte[] body, long next) {
        if (broken) {
            return false;
        }
        header(head, type, id, body.length);
        header(head2, Protocol.STARTED, next, 0);
        two[0] = ByteBuffer.wrap(head);
        two[1] = ByteBuffer.wrap(body);
        two[2] = ByteBuffer.wrap(head2);
        return writeAll(two);
    }

    boolean started(long id) {
        return send(Protocol.STARTED, id, EMPTY);
    }

    private static void header(byte[] h, int type, long id, int bodyLength) {
        int len = Protocol.HEADER + bodyLength;
        h[0] = (byte) (len >>> 24);
        h[1] = (byte) (len >>> 16);
        h[2] = (byte) (len >>> 8);
        h[3] = (byte) len;
        Protocol.putHeader(h, 4, type, id);
    }

    private boolean writeAll(ByteBuffer[] bufs) {
        try {
            do {
                channel.write(bufs);
            } while (bufs[bufs.length - 1].hasRemaining() || bufs[0].hasRemaining());  // a gathering write goes in order
            return true;
        } catch (IOException e) {
            broken = true;  // the manager is gone; the worker finishes what it runs and exits
            return false;
        } finally {
            for (int i = 0; i < bufs.length; i++) {
                bufs[i] = null;  // keep no body referenced
            }
        }
    }

    /** The answer to a task whose body is too big for a frame: an ERROR that says so, which always fits. */
    byte[] tooLarge(int type, long id, int size) {
        String what = Protocol.typeName(type) + " of task " + id + " is " + size + " bytes, over the pool's"
                + " maxMessageSize of " + maxBody() + "; raise the pool's maxMessageSize, or send less";
        System.err.println("procpool worker " + workerId + ": " + what);
        return Protocol.errorBody("io.procpool.MessageTooLargeException", what, "");
    }
}
