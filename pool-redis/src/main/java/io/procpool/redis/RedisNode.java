package io.procpool.redis;

import java.time.Duration;
import java.util.ArrayList;

import io.lettuce.core.RedisClient;
import io.procpool.runtime.TaskPool;

/**
 * A node: a {@link TaskPool} whose jobs come from a pool's task stream on Redis instead of its own queue. Start as
 * many as you like, on as many machines: they drain one queue.
 *
 * <pre>{@code
 * RedisClient redis = RedisClients.create("redis://queue-host:6379", Duration.ofSeconds(5));
 * try (RedisNode node = RedisNode.start(redis, "thumbs", Duration.ofSeconds(30),
 *         TaskPool.builder().name("thumbs").workers(4))) {
 *     node.pool().awaitTermination(...);
 * }
 * }</pre>
 *
 * <p>The lease: a node renews what it holds every third of it; another node may take over an entry that went
 * unrenewed for a whole lease (its node died, hangs, or lost Redis). Choose it well above a GC pause or a network
 * hiccup, and well below how long you accept a dead node's tasks to wait.
 */
public final class RedisNode implements AutoCloseable {

    private final TaskPool pool;
    private final RedisSource source;
    private final RedisClient client;
    private volatile AutoCloseable metrics;

    private RedisNode(TaskPool pool, RedisSource source, RedisClient client) {
        this.pool = pool;
        this.source = source;
        this.client = client;
    }

    /**
     * Starts a node of pool {@code poolName} with the workers {@code workers} describes (its name is the local pool's
     * name, in logs and metrics; the Redis pool name chooses the stream).
     *
     * @throws IllegalArgumentException for a lease under 100 ms or a bad pool name
     */
    public static RedisNode start(RedisClient client, String poolName, Duration lease, TaskPool.Builder workers) {
        return start(client, poolName, lease, 0, workers);
    }

    /**
     * As {@link #start(RedisClient, String, Duration, TaskPool.Builder)}, and the node reads ahead: it keeps up to
     * {@code readAhead} entries fetched beyond its workers' free credits, so that a worker that frees a credit gets its
     * next task from the node's memory at once, not after a read from Redis (a round trip through the node's fetch
     * thread, Redis and back: a few milliseconds on a loaded machine, tens in its tail). Short tasks at prefetch 0 or 1
     * waited for that round trip; a read-ahead of a few tasks per node hides it. A read-ahead entry is held like any
     * fetched one: renewed with the lease, given back without using an attempt when the node drains or stops
     * ({@link #shutdown}, {@link #close}), and reclaimed by other nodes after the lease when this node dies (it waits
     * that long; so does a task prefetched to a worker). The cost: up to {@code readAhead} tasks wait on this node
     * while another may be idle, at the end of a batch. 0 (the default) fetches only for free credits.
     *
     * @throws IllegalArgumentException for a lease under 100 ms, a negative readAhead or a bad pool name
     */
    public static RedisNode start(RedisClient client, String poolName, Duration lease, int readAhead,
                                  TaskPool.Builder workers) {
        if (lease == null || lease.toMillis() < 100) {
            throw new IllegalArgumentException("lease must be at least 100ms, was " + lease);
        }
        if (readAhead < 0) {
            throw new IllegalArgumentException("readAhead must be at least 0, was " + readAhead);
        }
        QueueCounters counters = new QueueCounters();
        NodeQueue queue = new NodeQueue(client, new StreamLayout(poolName), Consumers.unique(), lease,
                Duration.ofDays(1), counters);
        RedisSource source = new RedisSource(queue, counters, client, readAhead);
        TaskPool pool;
        try {
            pool = workers.jobSource(source).build();
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
        return new RedisNode(pool, source, client);
    }

    /** The local pool: its stats, its size ({@code resize}), its lifecycle. Its own {@code submit} rejects. */
    public TaskPool pool() {
        return pool;
    }

    public QueueCounters counters() {
        return source.counters();
    }

    /** This node's consumer name in the group, unique per incarnation. */
    public String consumer() {
        return source.queue().consumer();
    }

    /** How many entries the node holds now. */
    public int held() {
        return source.held();
    }

    /**
     * Exports this node's Redis meters ({@link RedisMetrics}: lag, pending, dead, reclaimed, dead-lettered, stale
     * completions, leases lost, reconnects) to {@code registry}, refreshed every 5 seconds; removed when the node
     * closes. The local pool's own meters come from {@code TaskPool.Builder.meterRegistry}. Needs micrometer-core.
     */
    public RedisNode meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
        java.util.Objects.requireNonNull(registry, "registry");
        synchronized (this) {
            if (metrics != null) {
                throw new IllegalStateException(source.queue().layout().pool() + " - meters are bound already");
            }
            metrics = new RedisMetrics(registry, client, source.queue().layout(), source.counters(),
                    Duration.ofSeconds(5));
        }
        return this;
    }

    /**
     * Takes no more tasks from Redis and gives back those fetched but not sent to a worker yet (without using an
     * attempt: another node takes them at its next reclaim); what the workers hold runs and completes; then they exit.
     */
    public void shutdown() {
        source.giveBackUnstarted();
        pool.shutdown();
    }

    /**
     * Stops at once: gives back every task this node held but had not started (without using an attempt), and
     * stops the running ones, which other nodes reclaim after the lease (their attempt is used). Returns how many
     * were given back.
     */
    public int shutdownNow() {
        int n = source.giveBackUnstarted();
        for (Object o : new ArrayList<Object>(pool.shutdownNow())) {
            if (o instanceof TaskEntry e && source.release(e)) {
                n++;
            }
        }
        return n;
    }

    /**
     * {@link #shutdown()} (fetched tasks not yet started are given back), then the pool's {@code close()}: it waits for
     * the running tasks up to the pool's shutdownTimeout. The source's connections close when the pool has ended.
     */
    @Override
    public void close() {
        source.giveBackUnstarted();
        pool.close();
        AutoCloseable m = metrics;
        if (m != null) {
            try {
                m.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
