package io.procpool.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * A node's Redis meters, prefix {@code procpool.redis}, tag {@code pool} (the Redis pool name). The stream gauges are
 * refreshed by a poll every {@code period} on a connection of their own, so that a scrape never waits on Redis:
 * <ul>
 *   <li>{@code procpool.redis.lag} — entries no node has taken yet (stream length minus pending);</li>
 *   <li>{@code procpool.redis.pending} — entries taken by some node and not completed;</li>
 *   <li>{@code procpool.redis.dead} — entries in the dead-letter stream;</li>
 *   <li>{@code procpool.redis.up} — 1 when the last poll reached Redis;</li>
 * </ul>
 * and this node's counters: {@code procpool.redis.reclaimed}, {@code procpool.redis.dead.lettered},
 * {@code procpool.redis.stale.completions}, {@code procpool.redis.leases.lost}, {@code procpool.redis.cancelled},
 * {@code procpool.redis.reconnects}
 * (polls that reached Redis again after failing).
 */
public final class RedisMetrics implements AutoCloseable {

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final StatefulRedisConnection<String, byte[]> connection;
    private final ScheduledExecutorService poller;
    private final StreamLayout layout;
    private final QueueCounters counters;
    private volatile double lag = Double.NaN;
    private volatile double pending = Double.NaN;
    private volatile double dead = Double.NaN;
    private volatile double up;
    private volatile boolean failing;

    public RedisMetrics(MeterRegistry registry, RedisClient client, StreamLayout layout, QueueCounters counters,
                        java.time.Duration period) {
        this.registry = registry;
        this.layout = layout;
        this.counters = counters;
        Tags tags = Tags.of("pool", layout.pool());
        gauge("procpool.redis.lag", "Entries of the task stream no node has taken yet", tags, m -> m.lag);
        gauge("procpool.redis.pending", "Entries taken by a node and not completed", tags, m -> m.pending);
        gauge("procpool.redis.dead", "Entries in the dead-letter stream", tags, m -> m.dead);
        gauge("procpool.redis.up", "1 when the last poll reached Redis", tags, m -> m.up);
        counter("procpool.redis.reclaimed", "Entries this node took over from a node that stopped renewing", tags,
                QueueCounters::reclaimed);
        counter("procpool.redis.dead.lettered", "Tasks this node moved to the dead-letter stream", tags,
                QueueCounters::deadLettered);
        counter("procpool.redis.stale.completions", "Results refused: this node no longer held the entry", tags,
                QueueCounters::staleCompletions);
        counter("procpool.redis.leases.lost", "Held entries given up: reclaimed elsewhere or unrenewable", tags,
                QueueCounters::leasesLost);
        counter("procpool.redis.cancelled", "Held tasks this node stopped because their submitter cancelled them",
                tags, QueueCounters::cancelled);
        counter("procpool.redis.reconnects", "Times Redis was reached again after a failed poll", tags,
                QueueCounters::reconnects);
        this.connection = client.connect(Scripts.CODEC);
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "procpool-redis-metrics-" + layout.pool());
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::poll, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void gauge(String name, String description, Tags tags, ToDoubleFunction<RedisMetrics> f) {
        meters.add(Gauge.builder(name, this, f).tags(tags).description(description).register(registry));
    }

    private void counter(String name, String description, Tags tags, ToDoubleFunction<QueueCounters> f) {
        meters.add(FunctionCounter.builder(name, counters, f).tags(tags).description(description)
                .register(registry));
    }

    /** One refresh of the stream gauges; runs on the poller, callable from tests. */
    public void poll() {
        try {
            RedisCommands<String, byte[]> redis = connection.sync();
            long length = redis.xlen(layout.tasks());
            long p;
            try {
                p = redis.xpending(layout.tasks(), StreamLayout.GROUP).getCount();
            } catch (io.lettuce.core.RedisCommandExecutionException noGroup) {
                p = 0;  // no group yet (or Redis lost it): nothing is taken
            }
            pending = p;
            lag = Math.max(0, length - p);
            dead = redis.xlen(layout.dead());
            up = 1;
            if (failing) {
                failing = false;
                counters.countReconnect();
            }
        } catch (RuntimeException e) {
            up = 0;
            failing = true;
        }
    }

    /** Removes the meters and stops polling. */
    @Override
    public void close() {
        poller.shutdownNow();
        try {
            poller.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        meters.forEach(registry::remove);
        connection.close();
    }
}
