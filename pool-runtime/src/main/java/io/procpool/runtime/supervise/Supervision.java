package io.procpool.runtime.supervise;

import java.time.Duration;

/**
 * The supervision rules of one pool, from its checked configuration (see {@code PoolConfig} for each setting).
 *
 * @param credits tasks one worker may hold (capacity + prefetch): how many a starting worker will take off a backlog
 * @param cds     the JVM workers' class-data sharing, or null
 */
public record Supervision(String name, WorkerKind kind, int minWorkers, int maxWorkers, Duration idleTimeout,
                          Duration startupTimeout, int maxTasksPerWorker, Duration maxWorkerLifetime,
                          long maxWorkerRss, Duration heartbeatTimeout, int spares, int maxSpares, int spareNice,
                          Duration backoffBase,
                          Duration backoffMax, int crashLoopRestarts, Duration crashLoopWindow, int credits,
                          ClassDataSharing cds) {

    /** The pool starts minWorkers, but at least one: build() proves that the worker command works. */
    public int initialWorkers() {
        return Math.max(1, minWorkers);
    }
}
