package io.procpool.runtime.process;

import java.nio.ByteBuffer;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * The one place that loads native code: our own libc binding ({@link LibC}) for what jnr-posix lacks, and
 * jnr-posix for waitpid, kill and getpid. Constants are Linux's (x86_64 and aarch64 agree on all of them).
 */
final class Native {

    static final LibC C = LibraryLoader.create(LibC.class).option(LibraryOption.SaveError, Boolean.TRUE).load("c");
    static final Runtime RT = Runtime.getRuntime(C);
    static final POSIX POSIX = POSIXFactory.getNativePOSIX();

    // open(2), fcntl(2), socket(2)
    static final int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_TRUNC = 01000, O_APPEND = 02000;
    static final int O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
    static final int F_DUPFD_CLOEXEC = 1030, F_GETFL = 3, F_SETFL = 4;
    static final int MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, F_ADD_SEALS = 1033;
    static final int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4;
    static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = O_CLOEXEC;
    static final int MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;

    // errno
    static final int EINTR = 4, EAGAIN = 11, EPIPE = 32, ECONNRESET = 104, ESRCH = 3, ECHILD = 10;

    // posix_spawn attributes
    static final short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;

    // poll(2), epoll(7), eventfd(2)
    static final short POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10;
    static final int EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000;
    static final int EPOLLET = 1 << 31;
    static final int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    static final int EPOLL_CLOEXEC = O_CLOEXEC, EFD_CLOEXEC = O_CLOEXEC, EFD_NONBLOCK = O_NONBLOCK;

    // struct epoll_event is packed on x86_64 (12 bytes) and naturally aligned elsewhere (16 bytes).
    static final boolean X86_64 = Platform.getNativePlatform().getCPU() == Platform.CPU.X86_64;
    static final int EPOLL_EVENT_SIZE = X86_64 ? 12 : 16;
    static final int EPOLL_DATA_OFFSET = X86_64 ? 4 : 8;

    // syscalls with no glibc wrapper before 2.36 (same numbers on every architecture since 5.1)
    private static final long SYS_PIDFD_SEND_SIGNAL = 424, SYS_PIDFD_OPEN = 434;

    static final int WNOHANG = 1;

    // native scratch memory is malloc'ed and freed only by GC: keep one per thread instead of one per call
    private static final ThreadLocal<Pointer> POLL_FDS = ThreadLocal.withInitial(() -> allocate(16));

    static {
        startJnrFinalizerOutsideTheApplication();
    }

    private Native() {
    }

    /**
     * jnr-ffi starts a thread that never ends (the finalizer of auto-released memory) at the first allocation, in
     * the thread group of whoever allocates first. Under {@code mvn exec:java} that is the application's group, and
     * the Maven JVM then waits 15 s for it after every run. Start it here from a thread of the root group, with no
     * context class loader (so that it pins no application class loader either).
     */
    private static void startJnrFinalizerOutsideTheApplication() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread t = new Thread(root, new FirstAllocation(RT), "procpool-jnr-init");
        t.setDaemon(true);
        t.setContextClassLoader(null);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int errno() {
        return LastError.getLastError(RT);
    }

    static String strerror(int errno) {
        return C.strerror(errno) + " (errno " + errno + ")";
    }

    /** A direct buffer's native address. */
    static long address(ByteBuffer direct) {
        return Pointer.wrap(RT, direct).address();
    }

    static Pointer allocate(int bytes) {
        return jnr.ffi.Memory.allocateDirect(RT, bytes, true);
    }

    /** Not a lambda: that would run in Native, whose initialization waits for this thread. */
    private static final class FirstAllocation implements Runnable {
        private final Runtime runtime;

        FirstAllocation(Runtime runtime) {
            this.runtime = runtime;
        }

        @Override
        public void run() {
            jnr.ffi.Memory.allocateDirect(runtime, 8, true);
        }
    }

    /** A pidfd for our own, not yet reaped, child; CLOEXEC by definition. */
    static int pidfdOpen(int pid) {
        return (int) C.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0);
    }

    /** Sends a signal through a pidfd: it can never hit a recycled pid. Returns 0 or -1 (errno). */
    static int pidfdSendSignal(int pidfd, int signal) {
        return (int) C.syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0);
    }

    static void closeQuietly(int fd) {
        if (fd >= 0) {
            C.close(fd);
        }
    }

    /** Polls one or two descriptors for the given events; returns the revents of each, or null on timeout. */
    static short[] poll(int fd1, short events1, int fd2, short events2, int timeoutMillis) {
        Pointer fds = POLL_FDS.get();
        fds.putInt(0, fd1);
        fds.putShort(4, events1);
        fds.putShort(6, (short) 0);
        int n = 1;
        if (fd2 >= 0) {
            fds.putInt(8, fd2);
            fds.putShort(12, events2);
            fds.putShort(14, (short) 0);
            n = 2;
        }
        int r = C.poll(fds, n, timeoutMillis);
        if (r < 0) {
            int e = errno();
            if (e == EINTR) {
                return null;  // callers poll again
            }
            throw new IllegalStateException("poll failed: " + strerror(e));
        }
        return r == 0 ? null : n == 1 ? new short[] {fds.getShort(6)} : new short[] {fds.getShort(6), fds.getShort(14)};
    }
}
