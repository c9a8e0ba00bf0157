package io.procpool.runtime.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Latch waits for code that cannot throw {@link InterruptedException} (callbacks, call-outs, thread bodies). */
public final class Latches {

    private Latches() {
    }

    /** Waits up to {@code seconds} for {@code latch}; an interrupt ends the wait and stays set on the thread. */
    public static void await(CountDownLatch latch, long seconds) {
        try {
            latch.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
