package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
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

    @Test
    void submitterMetersAndTheNodesPoolCountSourceJobs() throws Exception {
        String pool = "metered-e2e";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (RedisNode node = RedisNode.start(client, pool, Duration.ofSeconds(5), TaskPool.builder().name("node")
                         .workers(1).meterRegistry(registry));
                 RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 1, List.of())
                         .meterRegistry(registry)) {
                assertThat(s.submit(new Tasks.Sleepy(1, 1)).get(60, TimeUnit.SECONDS)[0]).isEqualTo(1);
                TaskFuture<String> bad = s.submit(new Tasks.Throws("no"));
                assertThatThrownBy(() -> bad.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(registry.get("procpool.redis.submitter.roundtrip").tag("outcome", "success").timer()
                            .count()).isEqualTo(1);
                    assertThat(registry.get("procpool.redis.submitter.roundtrip").tag("outcome", "failure").timer()
                            .count()).isEqualTo(1);
                });
                assertThat(registry.get("procpool.redis.submitter.submitted").tag("pool", pool).counter().count())
                        .isEqualTo(2);
                assertThat(registry.get("procpool.redis.submitter.outstanding").gauge().value()).isZero();
                assertThat(registry.get("procpool.redis.submitter.roundtrip").tag("outcome", "cancelled").timer()
                        .count()).as("registered at zero").isZero();
                // the node's own pool sees the jobs its source hands out
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(node.pool().stats().completed()).isEqualTo(1);
                    assertThat(node.pool().stats().failed()).isEqualTo(1);
                    assertThat(registry.get("procpool.tasks.execution").tag("pool", "node").tag("outcome", "success")
                            .timer().count()).isEqualTo(1);
                    assertThat(registry.get("procpool.tasks.execution").tag("pool", "node").tag("outcome", "failure")
                            .timer().count()).isEqualTo(1);
                });
            } finally {
                client.shutdown();
            }
            assertThat(registry.find("procpool.redis.submitter.submitted").meters()).as("removed at close").isEmpty();
        }
        Children.assertNoneLeft();
    }
}
