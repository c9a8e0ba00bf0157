package io.procpool.runtime.worker;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How long a worker may go on after the end of its channel. The manager ends a channel only when the worker holds no
 * task, so a worker that still runs one then has lost its manager (killed, even by SIGKILL): it finishes the task in
 * hand, but not for ever. A task that never ends would keep an orphan alive that nobody reaps or stops. After the
 * pool's {@code shutdownTimeout} (system property {@code procpool.endGraceMillis}, as a pool's {@code close()} waits
 * for its tasks) the worker halts.
 */
final class EndGrace {

    private static final AtomicBoolean ARMED = new AtomicBoolean();

    private EndGrace() {
    }

    /** The channel ended: from now on the worker has its grace to exit by itself (once; a daemon thread). */
    static void arm() {
        long grace = Long.getLong("procpool.endGraceMillis", 30_000);
        if (grace <= 0 || !ARMED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(grace);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("procpool worker: its channel ended " + grace + " ms ago and a task still runs"
                    + " (the manager is gone): exiting");
            Runtime.getRuntime().halt(0);
        }, "procpool-end-grace");
        t.setDaemon(true);
        t.start();
    }
}
