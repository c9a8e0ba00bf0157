package io.procpool.runtime.supervise;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * The crash-loop breaker, as pure code (the caller passes the time): it counts the deaths of workers that never did
 * any work (see {@link RestartPolicy#early}) and trips when more than {@code limit} of them fall within
 * {@code window}. Tripped, the pool fails: queued and new tasks fail fast with the cause. I/O thread only.
 */
public final class CrashLoopBreaker {

    private final int limit;
    private final long windowNanos;
    private final ArrayDeque<Long> deaths = new ArrayDeque<>();

    public CrashLoopBreaker(int limit, Duration window) {
        this.limit = limit;
        this.windowNanos = window.toNanos();
    }

    /**
     * Counts an early death at {@code nowNanos}.
     *
     * @return whether more than the limit now fall within the window
     */
    public boolean count(long nowNanos) {
        deaths.addLast(nowNanos);
        while (nowNanos - deaths.peekFirst() > windowNanos) {
            deaths.pollFirst();
        }
        return deaths.size() > limit;
    }

    /** How many early deaths fall within the window as of the last {@link #count}. */
    public int inWindow() {
        return deaths.size();
    }
}
