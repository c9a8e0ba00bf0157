package io.procpool.runtime.supervise;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitReason;

/**
 * When a dead worker's slot starts again, as pure code: no process, no clock, no random source of its own (the
 * caller passes the time and a random number), so that the rules are unit-tested as they run.
 *
 * <p>A worker that did a task, or lived {@link #HEALTHY_NANOS} after its HELLO, was healthy: its slot restarts at
 * once and its early-death streak resets. A worker that died earlier (or never started) lengthens its slot's streak:
 * the restart waits {@code backoffBase} doubled per early death in a row, at most {@code backoffMax}, times a random
 * 0.5..1 so that slots do not restart in step.
 */
public final class RestartPolicy {

    /** A worker that did a task, or lived this long after HELLO, was healthy: its death resets the back-off. */
    public static final long HEALTHY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final long baseNanos;
    private final long maxNanos;

    public RestartPolicy(Duration backoffBase, Duration backoffMax) {
        this.baseNanos = backoffBase.toNanos();
        this.maxNanos = backoffMax.toNanos();
    }

    /**
     * Whether a death counts as early: for the back-off and the crash-loop breaker. A worker the pool killed for a
     * task's timeout or cancel is never early: the task, not the worker, was at fault.
     *
     * @param sinceReadyNanos how long it lived after its HELLO (ignored when it never said it)
     */
    public static boolean early(ExitReason reason, boolean ready, int tasksDone, long sinceReadyNanos) {
        return reason != ExitReason.TIMEOUT && reason != ExitReason.CANCEL
                && (!ready || (tasksDone == 0 && sinceReadyNanos < HEALTHY_NANOS));
    }

    /**
     * How long a slot waits before its next worker starts.
     *
     * @param streak early deaths in a row in the slot; 0 restarts at once
     * @param random a number in [0, 1): the jitter
     * @return the delay in nanoseconds, 0 for at once
     */
    public long delayNanos(int streak, double random) {
        if (streak == 0) {
            return 0;
        }
        long delay = Math.min(maxNanos, baseNanos << Math.min(streak - 1, 20));
        return (long) (delay * (0.5 + 0.5 * random));
    }
}
