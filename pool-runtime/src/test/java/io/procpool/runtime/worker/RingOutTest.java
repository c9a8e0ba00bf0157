package io.procpool.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's side of the shared ring, over a mapped file: what it publishes and when it rings. */
class RingOutTest {

    private static final int CAPACITY = 4096;
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private static MappedByteBuffer map(Path dir) throws Exception {
        Path f = dir.resolve("ring");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.allocate(RingOut.DATA + CAPACITY));
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, RingOut.DATA + CAPACITY);
            m.order(ByteOrder.nativeOrder());
            return m;
        }
    }

    @Test
    void itRingsOnlyWhenAskedAndAQuietWriteWaitsForANudge(@TempDir Path dir) throws Exception {
        MappedByteBuffer m = map(dir);
        ByteArrayOutputStream socket = new ByteArrayOutputStream();
        RingOut out = RingOut.over(m, socket);

        out.write(new byte[] {1, 2, 3});
        assertThat(m.getLong(RingOut.TAIL)).isEqualTo(3);
        assertThat(socket.size()).as("the manager is awake: no doorbell").isZero();

        m.putInt(RingOut.ASLEEP, 1);
        out.writeQuietly(new byte[] {4, 5}, 0, 2);
        assertThat(m.getLong(RingOut.TAIL)).as("published").isEqualTo(5);
        assertThat(socket.size()).as("a quiet write does not ring").isZero();
        out.nudge();
        assertThat(socket.size()).as("the nudge rings for it").isEqualTo(1);
        assertThat(m.getInt(RingOut.ASLEEP)).isZero();
        m.putInt(RingOut.ASLEEP, 1);
        m.putLong(RingOut.HEAD, 5);
        out.nudge();
        assertThat(socket.size()).as("nothing left to take: no doorbell").isEqualTo(1);

        out.write(new byte[] {6});
        assertThat(socket.size()).as("a write rings a manager that may sleep").isEqualTo(2);
        assertThat(m.getInt(RingOut.ASLEEP)).isZero();
        out.write(new byte[] {7});
        assertThat(socket.size()).as("once").isEqualTo(2);
        for (int i = 0; i < 7; i++) {
            assertThat(m.get(RingOut.DATA + i)).isEqualTo((byte) (i + 1));
        }
    }

    @Test
    void aWriteLargerThanTheRingWaitsForTheManagerAndWrapsAround(@TempDir Path dir) throws Exception {
        MappedByteBuffer m = map(dir);
        RingOut out = RingOut.over(m, new ByteArrayOutputStream());
        out.write(new byte[1000]);
        m.putLong(RingOut.HEAD, 1000);
        byte[] big = new byte[3 * CAPACITY + 123];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i % 251);
        }
        // a reader standing in for the manager: takes what is published, in order
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            byte[] got = new byte[big.length];
            long head = 1000;
            int n = 0;
            while (n < got.length) {
                long tail = (long) LONG.getVolatile(m, RingOut.TAIL);
                while (head < tail && n < got.length) {
                    got[n++] = m.get(RingOut.DATA + (int) (head++ % CAPACITY));
                }
                LONG.setVolatile(m, RingOut.HEAD, head);
                Thread.onSpinWait();
            }
            return got;
        });
        out.write(big);
        assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(big);
        assertThat(m.getLong(RingOut.TAIL)).isEqualTo(1000 + big.length);
    }
}
