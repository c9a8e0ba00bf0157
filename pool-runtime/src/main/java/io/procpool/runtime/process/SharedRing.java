package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BooleanSupplier;

import io.procpool.SpawnException;
import org.slf4j.Logger;

/**
 * The manager's end of a child's shared-memory channel: the bytes a child sends, in a ring in a sealed memfd that
 * the child inherits and maps, instead of in its socket. A child's write is then a copy into memory: no system call,
 * and no wake-up while the manager is awake anyway. The socket stays for the manager's messages, the child's end of
 * the channel (its death closes it) and doorbells: a child writes one byte on it only when the manager may be
 * blocked in {@code epoll_wait} ({@link #arm}). What the ring holds is the same stream of frames the socket would
 * carry, and it outlives the child, so a dead child's last frames are read after its death exactly as from a socket.
 *
 * <p>Layout (native byte order): {@code tail} (u64, bytes written, the child's) at 0; {@code head} (u64, bytes
 * consumed, published by the manager for the child) at 64; {@code asleep} (u32, set to 1 by the manager before it may
 * block, taken back to 0 by the child that rings) at 128; the data at 4096, a power of two long. The child is not
 * trusted: the manager keeps its own head, takes a tail that is behind it or more than the capacity ahead as a broken
 * channel, and copies bytes out before it reads a length; the seals keep the child from shrinking the memfd under
 * the manager's mapping. Loop thread only, except {@link #create} and {@link #closeFd}.
 */
final class SharedRing {

    /** The child's environment variable with the ring's descriptor number. */
    static final String FD_ENV = "PROCPOOL_RING_FD";
    static final int TAIL = 0;
    static final int HEAD = 64;
    static final int ASLEEP = 128;
    static final int DATA = 4096;

    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private static final Logger LOG = Logs.logger(SharedRing.class);
    private static volatile boolean warned;

    private final MappedByteBuffer map;
    private final int capacity;
    private final int mask;
    private int fd;
    private long head;
    private boolean unmapped;

    private SharedRing(int fd, MappedByteBuffer map, int capacity) {
        this.fd = fd;
        this.map = map;
        this.capacity = capacity;
        this.mask = capacity - 1;
    }

    /**
     * A new ring, or null (logged once) where this system cannot make one (no memfd, no {@code /proc}): the child
     * then sends on its socket, which it finds out from its environment.
     */
    static SharedRing createOrWarn(int capacity) {
        try {
            return create(capacity);
        } catch (SpawnException | LinkageError e) {  // LinkageError: a libc without memfd_create
            if (!warned) {
                warned = true;
                LOG.warn("children send on their sockets instead of shared memory (slower): {}", e.toString());
            }
            return null;
        }
    }

    /** A new ring of {@code capacity} bytes (a power of two), its memfd open until {@link #closeFd}. */
    static SharedRing create(int capacity) {
        int fd = C.memfd_create("procpool-channel", Native.MFD_CLOEXEC | Native.MFD_ALLOW_SEALING);
        if (fd < 0) {
            throw new SpawnException("memfd_create failed: " + Native.strerror(Native.errno()), Native.errno());
        }
        try {
            long size = DATA + (long) capacity;
            if (C.ftruncate(fd, size) != 0
                    || C.fcntl(fd, Native.F_ADD_SEALS, Native.F_SEAL_SHRINK | Native.F_SEAL_GROW | Native.F_SEAL_SEAL)
                    != 0) {
                throw new SpawnException("cannot size the shared channel: " + Native.strerror(Native.errno()),
                        Native.errno());
            }
            MappedByteBuffer map;
            try (FileChannel ch = FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            }
            map.order(ByteOrder.nativeOrder());
            return new SharedRing(fd, map, capacity);
        } catch (IOException e) {
            C.close(fd);
            throw new SpawnException("cannot map the shared channel: " + e.getMessage(), 0);
        } catch (RuntimeException e) {
            C.close(fd);
            throw e;
        }
    }

    /** The memfd, to pass to the child. */
    int fd() {
        return fd;
    }

    /** Once the child holds it: the mapping stays. */
    void closeFd() {
        if (fd >= 0) {
            C.close(fd);
            fd = -1;
        }
    }

    /** The spawn closed the memfd with the child's other ends. */
    void forgetFd() {
        fd = -1;
    }

    /** Bytes the child has published and the manager not consumed; -1 when the child broke the ring. */
    long available() {
        if (unmapped) {
            return 0;
        }
        long n = (long) LONG.getVolatile(map, TAIL) - head;
        return n < 0 || n > capacity ? -1 : n;
    }

    /**
     * Moves what the ring holds into {@code frames}, which delivers each message as it is whole, until the ring is
     * empty or {@code paused} says stop. False when the child broke the ring (nothing more is read then).
     */
    boolean drainTo(Frames frames, BooleanSupplier paused) {
        long n;
        while ((n = available()) != 0) {
            if (n < 0) {
                return false;
            }
            if (paused.getAsBoolean()) {
                return true;
            }
            int k = (int) Math.min(n, frames.room());
            take(frames.buffer(), frames.length(), k);
            frames.added(k);
        }
        return true;
    }

    /** Copies {@code n} published bytes (at most {@link #available}) into {@code dst} at {@code at}; consumes them. */
    private void take(ByteBuffer dst, int at, int n) {
        int from = (int) (head & mask);
        int first = Math.min(n, capacity - from);
        dst.put(at, map, DATA + from, first);
        if (first < n) {
            dst.put(at + first, map, DATA, n - first);
        }
        head += n;
        LONG.setRelease(map, HEAD, head);
    }

    /**
     * Before the loop may block: asks the child to ring, then looks once more. True when bytes came meanwhile (the
     * loop must not block); either this look sees them or the child sees the request (both accesses are volatile).
     */
    boolean arm() {
        if (unmapped) {
            return false;
        }
        INT.setVolatile(map, ASLEEP, 1);
        return (long) LONG.getVolatile(map, TAIL) != head;
    }

    /** The loop is awake: no doorbell needed. */
    void disarm() {
        if (!unmapped) {
            INT.setOpaque(map, ASLEEP, 0);
        }
    }

    /** Frees the mapping now rather than at a garbage collection (a pool that restarts often maps many). */
    void unmap() {
        closeFd();
        if (unmapped) {
            return;
        }
        unmapped = true;
        Cleaner.free(map);
    }

    /** {@code sun.misc.Unsafe.invokeCleaner}, looked up once; without it the mapping goes with the buffer's GC. */
    private static final class Cleaner {
        private static final Object UNSAFE;
        private static final Method INVOKE;

        static {
            Object u = null;
            Method m = null;
            try {
                Class<?> c = Class.forName("sun.misc.Unsafe");
                Field f = c.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                u = f.get(null);
                m = c.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                u = null;
                m = null;
            }
            UNSAFE = u;
            INVOKE = m;
        }

        static void free(ByteBuffer b) {
            if (INVOKE != null) {
                try {
                    INVOKE.invoke(UNSAFE, b);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // left to the garbage collector
                }
            }
        }
    }
}
