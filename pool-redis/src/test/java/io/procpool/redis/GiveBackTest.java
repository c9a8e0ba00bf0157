package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.procpool.runtime.dispatch.Job;
import org.junit.jupiter.api.Test;

/** A node that stops gives back what it never started, without using an attempt. */
class GiveBackTest {

    /** Long enough that a reclaim succeeding at once can only be the give-back's doing. */
    static final Duration LEASE = Duration.ofMinutes(10);

    @Test
    void entriesFetchedButNeverStartedAreReclaimedAtOnceWithTheSameAttempt() throws Exception {
        StreamLayout layout = new StreamLayout("give-back");
        QueueCounters counters = new QueueCounters();
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (StatefulRedisConnection<String, byte[]> admin = client.connect(Scripts.CODEC);
                 Submitter s = new Submitter(client, layout, 100, false, Duration.ofSeconds(1), counters);
                 NodeQueue other = new NodeQueue(client, layout, Consumers.unique(), LEASE, Duration.ofHours(1),
                         counters)) {
                for (int i = 0; i < 5; i++) {
                    s.add(("t" + i).getBytes(StandardCharsets.UTF_8), 3);
                }
                RedisSource source = new RedisSource(new NodeQueue(client, layout, Consumers.unique(), LEASE,
                        Duration.ofHours(1), counters), counters);
                try {
                    source.open(() -> { });
                    assertThat(source.poll(5)).isNull();  // five free credits: the source fetches five
                    await().atMost(Duration.ofSeconds(20)).until(() -> source.backlog() == 5);
                    Job first = source.poll(5);
                    assertThat(first.attempt()).isEqualTo(1);
                    assertThat(source.giveBackUnstarted()).isEqualTo(4);
                    assertThat(source.held()).isEqualTo(1);  // the one handed out stays held
                } finally {
                    source.close();
                }
                List<TaskEntry> back = other.reclaim(10);
                assertThat(back).hasSize(4).allMatch(e -> e.deliveries() == 1);
                var pending = admin.sync().xpending(layout.tasks(), new XPendingArgs<String>()
                        .group(StreamLayout.GROUP).range(Range.unbounded()).limit(Limit.from(10)));
                assertThat(pending).hasSize(5);
                assertThat(pending.stream().filter(p -> p.getConsumer().equals(other.consumer())).count())
                        .isEqualTo(4);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void onlyTheHolderCanGiveBack() throws Exception {
        StreamLayout layout = new StreamLayout("give-back");
        QueueCounters counters = new QueueCounters();
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (Submitter s = new Submitter(client, layout, 100, false, Duration.ofSeconds(1), counters);
                 NodeQueue holder = new NodeQueue(client, layout, Consumers.unique(), LEASE, Duration.ofHours(1),
                         counters);
                 NodeQueue other = new NodeQueue(client, layout, Consumers.unique(), LEASE, Duration.ofHours(1),
                         counters)) {
                s.add("tt".getBytes(StandardCharsets.UTF_8), 3);  // a body has 2 bytes at least
                TaskEntry e = NodeQueueTest.readAll(holder, 1).get(0);
                assertThat(other.release(e)).isFalse();
                assertThat(other.reclaim(10)).isEmpty();
                assertThat(holder.release(e)).isTrue();
                assertThat(other.reclaim(10)).singleElement().satisfies(r -> assertThat(r.deliveries()).isEqualTo(1));
            } finally {
                client.shutdown();
            }
        }
    }
}
