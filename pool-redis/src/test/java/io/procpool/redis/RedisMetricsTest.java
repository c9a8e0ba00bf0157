package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class RedisMetricsTest {

    @Test
    void lagPendingAndDeadComeFromTheStreamsAndEveryMeterIsTaggedWithThePool() throws Exception {
        StreamLayout layout = new StreamLayout("metered");
        QueueCounters counters = new QueueCounters();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (Submitter s = new Submitter(client, layout, 100, false, Duration.ofSeconds(1), new QueueCounters());
                 NodeQueue node = new NodeQueue(client, layout, Consumers.unique(), Duration.ofSeconds(5),
                         Duration.ofHours(1), counters);
                 RedisMetrics metrics = new RedisMetrics(registry, client, layout, counters, Duration.ofHours(1))) {
                for (int i = 0; i < 3; i++) {
                    s.add(("t" + i).getBytes(StandardCharsets.UTF_8), 1);
                }
                TaskEntry e = NodeQueueTest.readAll(node, 1).get(0);
                node.deadLetter(e, "poison");
                NodeQueueTest.readAll(node, 1);
                metrics.poll();
                assertThat(registry.get("procpool.redis.lag").tag("pool", "metered").gauge().value()).isEqualTo(1);
                assertThat(registry.get("procpool.redis.pending").tag("pool", "metered").gauge().value()).isEqualTo(1);
                assertThat(registry.get("procpool.redis.dead").tag("pool", "metered").gauge().value()).isEqualTo(1);
                assertThat(registry.get("procpool.redis.up").gauge().value()).isEqualTo(1);
                assertThat(registry.get("procpool.redis.dead.lettered").functionCounter().count()).isEqualTo(1);
                assertThat(registry.get("procpool.redis.reclaimed").functionCounter().count()).isZero();
                assertThat(registry.getMeters()).allMatch(m -> "metered".equals(m.getId().getTag("pool")));
                server.kill();
                metrics.poll();
                assertThat(registry.get("procpool.redis.up").gauge().value()).isZero();
            } finally {
                client.shutdown();
            }
            assertThat(registry.getMeters()).as("removed at close").isEmpty();
        }
    }
}
