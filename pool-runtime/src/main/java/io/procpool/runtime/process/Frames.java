package io.procpool.runtime.process;

import java.nio.ByteBuffer;

/**
 * The inbound side of a channel: bytes as they come (from the socket or a shared ring), cut into whole messages,
 * each a 4-byte big-endian length and that many bytes. A message over the channel's maximum is skipped as it comes,
 * never buffered. The buffer grows to the largest message that came, and always has room after a cut. Loop thread
 * only.
 */
final class Frames {

    /** Where whole messages go. */
    interface Sink {
        /** A message: {@code frame}'s position to its limit, valid until this returns. */
        void message(ByteBuffer frame);

        /** A message of {@code size} bytes, over the maximum: skipped. */
        void oversize(long size);
    }

    private static final int INITIAL = 64 << 10;

    private final int maxMessage;
    private final Sink sink;
    private DirectBuffer in = new DirectBuffer(INITIAL);
    private ByteBuffer view = in.buffer().duplicate();
    private int length;
    private long skipRemaining;

    Frames(int maxMessage, Sink sink) {
        this.maxMessage = maxMessage;
        this.sink = sink;
    }

    /**
     * The channel is released and reads no more: its buffer (grown to the largest message, 1 MiB and more) goes now,
     * not when the last object that refers to the child does (a caller's future keeps its job, its job its worker).
     */
    void release() {
        in = DirectBuffer.NONE;
        view = in.buffer().duplicate();
        length = 0;
    }

    /** The free room after what is buffered: more than 0 until {@link #release}. */
    int room() {
        return in.capacity() - length;
    }

    /** The native address of the free room. */
    long freeAddress() {
        return in.address() + length;
    }

    /** The buffer, to copy into at {@link #length()}. */
    ByteBuffer buffer() {
        return in.buffer();
    }

    int length() {
        return length;
    }

    /** {@code n} bytes were put at {@link #length()}: delivers every message now whole. */
    void added(int n) {
        length += n;
        cut();
    }

    private void cut() {
        ByteBuffer b = in.buffer();
        int pos = 0;
        while (true) {
            if (skipRemaining > 0) {
                int k = (int) Math.min(skipRemaining, length - pos);
                pos += k;
                skipRemaining -= k;
                if (skipRemaining > 0) {
                    break;
                }
                continue;
            }
            if (length - pos < 4) {
                break;
            }
            long len = Integer.toUnsignedLong(b.getInt(pos));
            if (len > maxMessage) {
                pos += 4;
                skipRemaining = len;
                sink.oversize(len);
                continue;
            }
            if (length - pos - 4 < len) {
                break;
            }
            view.limit(pos + 4 + (int) len).position(pos + 4);
            sink.message(view);
            pos += 4 + (int) len;
        }
        if (pos > 0) {
            b.put(0, b, pos, length - pos);
            length -= pos;
        }
        if (length >= 4 && skipRemaining == 0) {
            int need = 4 + b.getInt(0);
            if (need > in.capacity()) {
                DirectBuffer bigger = new DirectBuffer(Math.max(need, in.capacity() * 2));
                bigger.buffer().put(0, b, 0, length);
                in = bigger;
                view = in.buffer().duplicate();
            }
        }
    }
}
