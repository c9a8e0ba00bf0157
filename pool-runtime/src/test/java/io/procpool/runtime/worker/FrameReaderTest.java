package io.procpool.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

import io.procpool.runtime.wire.Protocol;
import org.junit.jupiter.api.Test;

/**
 * The worker's frame reader over a stream that hands out chosen chunks: a frame cut between two reads is completed by
 * one read that also brings what follows; a body is copied into the caller's reused array or into one of its own,
 * and neither is overwritten by the frames read after it; a frame larger than the read buffer is read straight into
 * its own array.
 */
class FrameReaderTest {

    /** Hands out its chunks one per read (a read gets at most one chunk, and at most what it asks for). */
    private static final class Chunks extends InputStream {
        final Deque<byte[]> chunks = new ArrayDeque<>();
        int reads;

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            reads++;
            byte[] c = chunks.poll();
            if (c == null) {
                return -1;
            }
            int n = Math.min(len, c.length);
            System.arraycopy(c, 0, b, off, n);
            if (n < c.length) {
                chunks.addFirst(Arrays.copyOfRange(c, n, c.length));
            }
            return n;
        }
    }

    private static byte[] frame(int type, long id, byte[] body) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Protocol.writeFrame(new DataOutputStream(b), type, id, body, 0, body.length);
        return b.toByteArray();
    }

    private static byte[] body(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 7);
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    @Test
    void aFrameCutBetweenReadsIsCompletedByOneReadThatBringsTheNextFrameToo() throws IOException {
        byte[] one = frame(Protocol.TASK, 1, body(4096, 1));
        byte[] two = frame(Protocol.TASK, 2, body(100, 2));
        Chunks in = new Chunks();
        in.chunks.add(Arrays.copyOf(one, 1000));
        in.chunks.add(concat(Arrays.copyOfRange(one, 1000, one.length), two));
        FrameReader r = new FrameReader(in, 1 << 20, "w");

        assertThat(r.next()).isEqualTo(Protocol.TASK);
        assertThat(r.id).isEqualTo(1);
        assertThat(r.bodyCopy()).isEqualTo(body(4096, 1));
        assertThat(r.taskBuffered()).isTrue();
        assertThat(r.next()).isEqualTo(Protocol.TASK);
        assertThat(r.id).isEqualTo(2);
        assertThat(r.bodyCopy()).isEqualTo(body(100, 2));
        assertThat(in.reads).as("reads of the stream for two frames in two chunks").isEqualTo(2);
    }

    @Test
    void bodiesGoToTheReusedArrayOrTheirOwnAndStayIntactWhileLaterFramesAreRead() throws IOException {
        Chunks in = new Chunks();
        in.chunks.add(concat(frame(Protocol.TASK, 1, body(300, 1)), frame(Protocol.TASK, 2, body(50, 2)),
                frame(Protocol.CANCEL, 1, new byte[0]), frame(Protocol.TASK, 3, body(600, 3))));
        FrameReader r = new FrameReader(in, 1 << 20, "w");
        byte[] reused = new byte[512];

        r.next();
        byte[] own = r.bodyCopy();
        assertThat(r.length).isEqualTo(300);
        r.next();
        assertThat(r.attempt()).isEqualTo(((2 & 0xff) << 8) | ((2 + 7) & 0xff));
        byte[] b = r.bodyInto(reused);
        assertThat(b).isSameAs(reused);
        assertThat(Arrays.copyOf(b, r.length)).isEqualTo(body(50, 2));
        assertThat(r.next()).isEqualTo(Protocol.CANCEL);
        assertThat(r.length).isZero();
        r.next();
        byte[] big = r.bodyInto(reused);
        assertThat(big).as("a body larger than the reused array gets its own").isNotSameAs(reused)
                .isEqualTo(body(600, 3));
        assertThat(own).isEqualTo(body(300, 1));
        assertThat(Arrays.copyOf(reused, 50)).isEqualTo(body(50, 2));
    }

    @Test
    void aFrameLargerThanTheBufferIsReadIntoItsOwnArray() throws IOException {
        byte[] large = body(FrameReader.BUFFER * 2 + 5, 9);
        byte[] all = concat(frame(Protocol.TASK, 7, large), frame(Protocol.TASK, 8, body(10, 4)));
        Chunks in = new Chunks();
        for (int at = 0; at < all.length; at += 10_000) {
            in.chunks.add(Arrays.copyOfRange(all, at, Math.min(all.length, at + 10_000)));
        }
        FrameReader r = new FrameReader(in, 1 << 20, "w");

        r.next();
        assertThat(r.id).isEqualTo(7);
        assertThat(r.bodyInto(new byte[16])).isEqualTo(large);
        r.next();
        assertThat(r.id).isEqualTo(8);
        assertThat(r.bodyCopy()).isEqualTo(body(10, 4));
    }
}
