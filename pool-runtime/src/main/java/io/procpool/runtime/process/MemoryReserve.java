package io.procpool.runtime.process;

/**
 * A little memory kept aside, for the whole JVM, for the pools' own steps when the heap is full: failing a task whose
 * answer cannot be copied, settling a future. A full heap has no room even for those few bytes, and a caller that keeps
 * its answers until told something failed would wait for ever. The first such step that runs out of memory spends
 * the reserve, so that it and the next ones can be made; the reserve is made again once an answer is read in full.
 * Internal; public only for procpool's own packages.
 */
public final class MemoryReserve {

    /**
     * 1 MiB: in a small heap (G1's regions of 1 MiB) a humongous object of two whole regions, given back as soon as it
     * is let go; a smaller object would free bytes inside an old region, where new objects are never placed.
     */
    private static final int SIZE = 1 << 20;

    @SuppressWarnings("unused")  // held, never read: what it holds is the point
    private static volatile byte[] reserve = new byte[SIZE];

    private MemoryReserve() {
    }

    /** A step of the pool's own ran out of memory: lets the reserve go (the next collection frees it). */
    public static void spend() {
        reserve = null;
    }

    /**
     * A step that must not be dropped ran out of memory for the {@code tries}-th time (from 1): spends the reserve and
     * waits a little before the next try, longer each time, up to 100 ms.
     */
    public static void awaitMemory(int tries) {
        spend();
        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(100, Math.max(1, tries)) * 1_000_000L);
    }

    /** After a success: makes the reserve again if it was spent (a read of one field when it is there). */
    public static void restore() {
        if (reserve == null) {
            try {
                reserve = new byte[SIZE];
            } catch (OutOfMemoryError still) {
                // not yet: the next success tries again
            }
        }
    }
}
