package io.procpool.runtime.worker;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker's end of a shared-memory channel: what it sends goes into a ring in memory it shares with the manager
 * (a memfd it inherits, named in {@code PROCPOOL_RING_FD}), and it writes a one-byte doorbell on its socket only
 * when the manager has said that it may block. A frame in the ring is as safe as a frame in the socket: the manager
 * reads the ring after this process dies. Layout: the manager's {@code process.SharedRing} (the same constants; a
 * test keeps them equal). Callers serialize their writes ({@link FrameWriter} is synchronized).
 */
final class RingOut extends OutputStream {

    static final String FD_ENV = "PROCPOOL_RING_FD";
    static final int TAIL = 0;
    static final int HEAD = 64;
    static final int ASLEEP = 128;
    static final int DATA = 4096;

    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final long BELL_WHILE_FULL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final MappedByteBuffer map;
    private final int capacity;
    private final int mask;
    private final OutputStream socket;
    private final byte[] bell = {1};
    private long tail;
    private long head;

    private RingOut(MappedByteBuffer map, int capacity, OutputStream socket) {
        this.map = map;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.socket = socket;
        this.tail = (long) LONG.getVolatile(map, TAIL);
        this.head = (long) LONG.getVolatile(map, HEAD);
    }

    /** The stream frames go to: the ring when the manager gave one, else the channel's socket itself. */
    static OutputStream open(FileDescriptor channel) {
        FileOutputStream socket = new FileOutputStream(channel);
        String fd = System.getenv(FD_ENV);
        if (fd == null) {
            return socket;
        }
        try (FileChannel ch = FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long size = ch.size();
            long capacity = size - DATA;
            if (capacity < 4096 || capacity > (1L << 30) || Long.bitCount(capacity) != 1) {
                throw new IOException("a shared channel of " + size + " bytes");
            }
            return over(ch.map(FileChannel.MapMode.READ_WRITE, 0, size), socket);
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException("cannot map the shared channel on fd " + fd + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** A ring over {@code map} (the layout above; its data a power of two), ringing on {@code socket}. */
    static RingOut over(MappedByteBuffer map, OutputStream socket) {
        map.order(ByteOrder.nativeOrder());
        return new RingOut(map, map.capacity() - DATA, socket);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        copy(b, off, len);
        publish();
    }

    /**
     * Publishes without a doorbell: the bytes are in the ring (a crash loses nothing) and the manager takes them at its
     * next look, or when something rings ({@link #nudge}, or the next write).
     */
    void writeQuietly(byte[] b, int off, int len) throws IOException {
        copy(b, off, len);
        LONG.setVolatile(map, TAIL, tail);
    }

    /**
     * Any thread: rings if the manager may be blocked while the ring holds what it has not taken (a quiet write). No
     * exception: a manager that is gone is found by the reading.
     */
    void nudge() {
        if ((int) INT.getVolatile(map, ASLEEP) != 0 && (long) LONG.getVolatile(map, TAIL) != (long) LONG.getVolatile(map,
                HEAD) && INT.compareAndSet(map, ASLEEP, 1, 0)) {
            try {
                socket.write(bell);
            } catch (IOException gone) {
                // the reader sees the end
            }
        }
    }

    private void copy(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            long free = capacity - (tail - head);
            if (free == 0) {
                head = (long) LONG.getVolatile(map, HEAD);  // the position seen last is a lap old
                if (tail - head == capacity) {
                    awaitRoom();
                }
                continue;
            }
            int at = (int) (tail & mask);
            int n = (int) Math.min(Math.min(len, free), capacity - at);
            map.put(DATA + at, b, off, n);
            tail += n;
            off += n;
            len -= n;
        }
    }

    /** Makes what was copied visible, then rings if the manager asked for it (and nobody rang since). */
    private void publish() throws IOException {
        LONG.setVolatile(map, TAIL, tail);
        if ((int) INT.getVolatile(map, ASLEEP) != 0 && INT.compareAndSet(map, ASLEEP, 1, 0)) {
            socket.write(bell);
        }
    }

    /**
     * The ring is full: publishes what it holds and waits for the manager to take some. It rings every 10 ms while it
     * waits, which also finds a manager that is gone (the write fails).
     */
    private void awaitRoom() throws IOException {
        publish();
        boolean interrupted = Thread.interrupted();  // a cancelled task's thread: its parks must still wait
        try {
            long rang = System.nanoTime();
            for (int i = 0;; i++) {
                head = (long) LONG.getVolatile(map, HEAD);
                if (tail - head < capacity) {
                    return;
                }
                if (i < 64) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(Math.min(1_000_000L, 10_000L << Math.min(i - 64, 7)));
                    interrupted |= Thread.interrupted();
                }
                if (System.nanoTime() - rang > BELL_WHILE_FULL_NANOS) {
                    socket.write(bell);
                    rang = System.nanoTime();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
