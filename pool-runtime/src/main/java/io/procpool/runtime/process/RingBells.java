package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

/**
 * The doorbells of a shared-memory channel ({@link SharedRing}): whatever the child writes on its socket, read and
 * dropped; the socket's end is the channel's end. One scratch buffer for every channel of every loop: what lands in it is never read.
 */
final class RingBells {

    private static final int SCRATCH = 256;
    private static final int ROUNDS = 16;
    private static final DirectBuffer BUFFER = new DirectBuffer(SCRATCH);

    private RingBells() {
    }

    /**
     * Reads what the socket holds (a flood only up to 4 KiB a call: epoll reports the rest). False when the child
     * closed its end or the socket failed.
     */
    static boolean drain(int fd) {
        for (int i = 0; i < ROUNDS; i++) {
            long n = C.recv(fd, BUFFER.address(), SCRATCH, Native.MSG_DONTWAIT);
            if (n == SCRATCH) {
                continue;
            }
            if (n > 0) {
                return true;
            }
            if (n == 0) {
                return false;
            }
            int e = Native.errno();
            if (e == Native.EAGAIN) {
                return true;
            }
            if (e != Native.EINTR) {
                return false;
            }
        }
        return true;
    }
}
