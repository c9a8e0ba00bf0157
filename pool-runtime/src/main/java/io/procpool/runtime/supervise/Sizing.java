package io.procpool.runtime.supervise;

import java.time.Duration;

/**
 * The sizing and recycling decisions as pure code (the caller passes the random numbers): how many workers to start
 * for a backlog, and the jittered task limit and lifetime after which a worker is recycled, so that workers do not
 * all retire at once.
 */
public final class Sizing {

    private Sizing() {
    }

    /**
     * How many workers to start now for {@code backlog} waiting tasks.
     *
     * @param maxWorkers the most workers the pool may run
     * @param live       workers in slots and slots about to restart
     * @param starting   of those, the ones not ready yet (they will take tasks soon)
     * @param credits    tasks one worker holds (capacity + prefetch)
     * @return the number to start; 0 or less for none
     */
    public static long toStart(int maxWorkers, int live, int starting, long backlog, int credits) {
        return Math.min(maxWorkers - live, (backlog + credits - 1) / credits - starting);
    }

    /** A worker's task limit: {@code maxTasks} ±10 % ({@code random} in [0, 1)), at least 1. */
    public static int taskLimit(int maxTasks, double random) {
        return Math.max(1, (int) Math.round(maxTasks * (0.9 + 0.2 * random)));
    }

    /** A worker's lifetime in nanoseconds: {@code max} ±10 % ({@code random} in [0, 1)). */
    public static long lifetimeNanos(Duration max, double random) {
        return (long) (max.toNanos() * (0.9 + 0.2 * random));
    }
}
