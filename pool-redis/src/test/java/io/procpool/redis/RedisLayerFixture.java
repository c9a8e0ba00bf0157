package io.procpool.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A real redis-server per test, a client, an admin connection, and the nodes' queues and submitters a test makes
 * (closed after it, last first): the set-up of the tests of the Redis layer.
 */
abstract class RedisLayerFixture {

    RedisServer server;
    RedisClient client;
    StatefulRedisConnection<String, byte[]> admin;
    RedisCommands<String, byte[]> redis;
    final StreamLayout layout;
    final QueueCounters counters = new QueueCounters();
    final List<AutoCloseable> closing = new ArrayList<>();
    private final Duration lease;
    private final Duration checkEvery;
    private final boolean ownSubmitterCounters;

    /**
     * @param lease the nodes' lease
     * @param checkEvery how often a submitter checks Redis for lost entries
     * @param ownSubmitterCounters whether each submitter counts apart from {@link #counters} (the nodes')
     */
    RedisLayerFixture(String pool, Duration lease, Duration checkEvery, boolean ownSubmitterCounters) {
        this.layout = new StreamLayout(pool);
        this.lease = lease;
        this.checkEvery = checkEvery;
        this.ownSubmitterCounters = ownSubmitterCounters;
    }

    @BeforeEach
    void start() {
        server = RedisServer.start();
        client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
        admin = client.connect(Scripts.CODEC);
        redis = admin.sync();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        admin.close();
        client.shutdown();
        server.close();
    }

    NodeQueue node() {
        NodeQueue q = new NodeQueue(client, layout, Consumers.unique(), lease, Duration.ofHours(1), counters);
        closing.add(q);
        return q;
    }

    Submitter submitter() {
        Submitter s = new Submitter(client, layout, 1000, false, checkEvery,
                ownSubmitterCounters ? new QueueCounters() : counters);
        closing.add(s);
        return s;
    }
}
