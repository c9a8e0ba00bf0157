package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A child's pidfd, the one handle that cannot reach a recycled pid: polls and signals hold its read lock, and the
 * descriptor is closed only under the write lock, so that no poll or signal can reach a recycled descriptor number.
 * Thread-safe.
 */
final class Pidfd {

    private final int fd;
    private final String owner;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    /** @param owner the child, for messages */
    Pidfd(int fd, String owner) {
        this.fd = fd;
        this.owner = owner;
    }

    /** The descriptor, for the I/O thread to watch (it is readable once the child has exited). */
    int fd() {
        return fd;
    }

    /**
     * Polls {@code other} for {@code events} together with the pidfd, at most {@code timeoutMillis}: null when
     * neither is ready; revents[1] != 0 means the child has exited.
     *
     * @throws IllegalStateException once the pidfd is closed
     */
    short[] pollWith(int other, short events, int timeoutMillis) {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException(owner + " is closed");
            }
            return Native.poll(other, events, fd, Native.POLLIN, timeoutMillis);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Sends {@code signal} to the child if it has not exited (0 sends nothing).
     *
     * @return true when the child was running and the signal was sent
     */
    boolean signal(int signal) {
        lock.readLock().lock();
        try {
            if (!aliveLocked()) {
                return false;
            }
            return signal == 0 || Native.pidfdSendSignal(fd, signal) == 0;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** True while the child runs: the pidfd is open and not readable (readable: the child has exited). */
    boolean alive() {
        lock.readLock().lock();
        try {
            return aliveLocked();
        } finally {
            lock.readLock().unlock();
        }
    }

    private boolean aliveLocked() {
        if (closed) {
            return false;
        }
        short[] rev = Native.poll(fd, Native.POLLIN, -1, (short) 0, 0);
        return rev == null || rev[0] == 0;
    }

    /** Closes the descriptor once no poll or signal uses it. */
    void close() {
        lock.writeLock().lock();
        try {
            closed = true;
            C.close(fd);
        } finally {
            lock.writeLock().unlock();
        }
    }
}
