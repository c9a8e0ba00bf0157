package io.procpool.runtime.dispatch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.procpool.QueueFullPolicy;
import io.procpool.runtime.supervise.ClassDataSharing;
import io.procpool.runtime.supervise.WorkerKind;

/**
 * A task pool's configuration, checked and sealed by {@code TaskPool.Builder.build()}.
 *
 * @param name            the pool's name, in thread names, logs, messages and the workers' argv[0]
 * @param minWorkers      workers kept running however idle (the pool starts with at least one)
 * @param maxWorkers      workers started at most while tasks wait; equal to minWorkers for a fixed-size pool
 * @param idleTimeout     how long a worker above minWorkers may stay idle before it is stopped
 * @param capacity        tasks one worker runs at once (its task threads)
 * @param prefetch        tasks a worker may hold beyond {@code capacity}, so that the next one is there when it
 *                        finishes (throughput with short tasks; a crash sends them back to the queue)
 * @param queueCapacity   tasks that may wait for a worker
 * @param maxQueuedBytes  bytes of encoded tasks that may wait for a worker (one task always may, however large)
 * @param queueFullPolicy what submit does when the queue is full
 * @param taskTimeout     default timeout of a task, or null for none
 * @param maxAttempts     default attempts of a task whose worker dies
 * @param cancelGrace     how long a cancelled or timed-out task may take to stop before its worker is killed
 * @param startupTimeout  how long a worker may take from spawn to HELLO
 * @param shutdownTimeout how long {@code close()} waits for queued and running tasks before it stops them
 * @param maxMessageSize  the largest frame either way
 * @param command         the worker command, without argv[0]'s name
 * @param environment     variables for the workers, over the inherited environment (when it is inherited)
 * @param inheritEnvironment whether the workers start from this JVM's environment; when false, {@code environment}
 *                        is all they get (plus procpool's own variables)
 * @param directory       the workers' working directory, or null
 * @param allowlist       classes allowed to travel (registration required), empty for any
 * @param cds             the workers' class-data sharing archive, or null
 * @param maxTasksPerWorker tasks after which a worker is retired (with ±10 % jitter), 0 for no limit
 * @param maxWorkerLifetime how long a worker may live before it is retired (±10 %), or null
 * @param maxWorkerRss    resident memory (bytes) above which a worker is retired after a task, 0 for no limit
 * @param heartbeatTimeout how long a ready worker may stay silent (it beats every third of it) before it is
 *                        taken for hung, killed and replaced; null for no heartbeat
 * @param spares          warm spares: started, ready workers kept out of the slots, promoted when a worker dies
 * @param maxSpares       the most spares the measured crash rate may ask for
 *                        ({@link io.procpool.runtime.supervise.Spares})
 * @param spareNice       the nice value spares and successors start at (0: as the pool)
 * @param backoffBase     the first back-off before a slot whose worker died early is restarted (doubling after)
 * @param backoffMax      the longest back-off
 * @param crashLoopRestarts more early deaths than this within {@code crashLoopWindow} fail the pool
 * @param crashLoopWindow the crash-loop breaker's window
 * @param listeners       who hears the pool's events
 * @param kind            what the workers are: procpool's JVM worker, or any executable in protocol or line mode
 * @param lineCheck       line mode: believe a worker's replies only once its exit proves them in step
 *                        ({@link LineCheck}); null to believe each line as it comes
 */
public record PoolConfig(String name, int minWorkers, int maxWorkers, Duration idleTimeout, int capacity, int prefetch, int queueCapacity,
                         long maxQueuedBytes,
                         QueueFullPolicy queueFullPolicy, Duration taskTimeout, int maxAttempts, Duration cancelGrace,
                         Duration startupTimeout, Duration shutdownTimeout, int maxMessageSize, List<String> command,
                         Map<String, String> environment, boolean inheritEnvironment, Path directory, List<String> allowlist,
                         ClassDataSharing cds, int maxTasksPerWorker, Duration maxWorkerLifetime,
                         long maxWorkerRss, Duration heartbeatTimeout, int spares, int maxSpares, int spareNice,
                         Duration backoffBase, Duration backoffMax, int crashLoopRestarts,
                         Duration crashLoopWindow, List<io.procpool.PoolListener> listeners,
                         WorkerKind kind, LineCheck lineCheck) {

    /** The supervision layer's part of it. */
    public io.procpool.runtime.supervise.Supervision supervision() {
        return new io.procpool.runtime.supervise.Supervision(name, kind, minWorkers, maxWorkers, idleTimeout,
                startupTimeout, maxTasksPerWorker, maxWorkerLifetime, maxWorkerRss, heartbeatTimeout, spares, maxSpares,
                spareNice, backoffBase, backoffMax, crashLoopRestarts, crashLoopWindow, capacity + prefetch, cds);
    }

    /** This configuration with line checks (line mode only). */
    public PoolConfig withLineCheck(LineCheck check) {
        return new PoolConfig(name, minWorkers, maxWorkers, idleTimeout, capacity, prefetch, queueCapacity,
                maxQueuedBytes, queueFullPolicy, taskTimeout, maxAttempts, cancelGrace, startupTimeout, shutdownTimeout,
                maxMessageSize, command, environment, inheritEnvironment, directory, allowlist, cds, maxTasksPerWorker,
                maxWorkerLifetime, maxWorkerRss, heartbeatTimeout, spares, maxSpares, spareNice, backoffBase, backoffMax,
                crashLoopRestarts, crashLoopWindow, listeners, kind, check);
    }
}
