package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.dispatch.Job;
import org.junit.jupiter.api.Test;

/**
 * A node's read-ahead: entries fetched beyond the free credits are held (not started), refilled as the engine takes
 * them, and given back without using an attempt when the node stops fetching.
 */
class ReadAheadTest {

    @Test
    void entriesBeyondTheCreditsAreHeldRefilledAndGivenBackWithoutAnAttempt() throws Exception {
        StreamLayout layout = new StreamLayout("read-ahead");
        QueueCounters counters = new QueueCounters();
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (StatefulRedisConnection<String, byte[]> admin = client.connect(Scripts.CODEC);
                 Submitter s = new Submitter(client, layout, 100, false, Duration.ofSeconds(1), counters);
                 NodeQueue other = new NodeQueue(client, layout, Consumers.unique(), GiveBackTest.LEASE,
                         Duration.ofHours(1), counters)) {
                for (int i = 0; i < 10; i++) {
                    s.add(("t" + i).getBytes(StandardCharsets.UTF_8), 3);
                }
                NodeQueue mine = new NodeQueue(client, layout, Consumers.unique(), GiveBackTest.LEASE,
                        Duration.ofHours(1), counters);
                RedisSource source = new RedisSource(mine, counters, null, 2);
                try {
                    source.open(() -> { });
                    // no credit asked for yet: the read-ahead alone (without it the node fetches nothing)
                    await().atMost(Duration.ofSeconds(20)).until(() -> source.backlog() == 2);
                    Job first = source.poll(1);
                    assertThat(first).isNotNull();
                    assertThat(first.attempt()).isEqualTo(1);
                    // the engine took one: the node reads one more, back to its read-ahead of 2
                    await().atMost(Duration.ofSeconds(20)).until(() -> source.backlog() == 2);
                    await().atMost(Duration.ofSeconds(20)).until(() -> source.held() == 3);
                    assertThat(admin.sync().xpending(layout.tasks(), StreamLayout.GROUP).getConsumerMessageCount())
                            .containsEntry(mine.consumer(), 3L);
                    assertThat(source.giveBackUnstarted()).isEqualTo(2);
                    assertThat(source.held()).isEqualTo(1);  // the one handed out stays held
                } finally {
                    source.close();
                }
                List<TaskEntry> back = other.reclaim(10);
                assertThat(back).hasSize(2).allMatch(e -> e.deliveries() == 1);  // no attempt used
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void aNegativeReadAheadFailsAtStartNamingTheFieldAndValue() {
        RedisClient client = RedisClients.create("redis://127.0.0.1:1", Duration.ofSeconds(1));  // never connected
        try {
            assertThatThrownBy(() -> RedisNode.start(client, "read-ahead", Duration.ofSeconds(5), -1,
                    TaskPool.builder().name("node").workers(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("readAhead").hasMessageContaining("-1");
        } finally {
            client.shutdown();
        }
    }
}
