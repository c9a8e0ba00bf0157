package io.procpool;

/**
 * A snapshot of a pool.
 *
 * @param starting  workers started and not yet ready (replacements, successors and spares included)
 * @param idle      ready workers holding no task
 * @param busy      workers holding at least one task (a retiring worker finishing its last ones included)
 * @param queued    tasks waiting for a worker
 * @param inFlight  tasks sent to a worker and not finished
 * @param completed tasks finished with a result
 * @param failed    tasks finished otherwise (failure, timeout, crash, cancel)
 * @param restarts  workers replaced after a crash, timeout or protocol error
 * @param recycled  workers retired after maxTasksPerWorker (their successor was ready before they left)
 * @param spares    warm spares ready to take the place of a worker that dies
 */
public record PoolStats(int starting, int idle, int busy, int queued, int inFlight, long completed, long failed,
                        long restarts, long recycled, int spares) {
}
