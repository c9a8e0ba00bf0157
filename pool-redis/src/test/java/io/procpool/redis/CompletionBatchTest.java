package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

/**
 * complete_batch.lua, as a node's completions send it (CompletionBatcher), against a real redis-server: each entry
 * of a batch is checked on its own (a refused one does not stop the others), replies go each to its own stream.
 */
class CompletionBatchTest {

    @Test
    void aBatchCompletesWhatThisNodeHoldsAndRefusesTheRest() throws Exception {
        StreamLayout layout = new StreamLayout("batch-pool");
        QueueCounters counters = new QueueCounters();
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (Submitter s1 = new Submitter(client, layout, 1000, false, Duration.ofSeconds(1), new QueueCounters());
                 Submitter s2 = new Submitter(client, layout, 1000, false, Duration.ofSeconds(1), new QueueCounters());
                 NodeQueue a = new NodeQueue(client, layout, Consumers.unique(), Duration.ofSeconds(30),
                         Duration.ofHours(1), counters);
                 NodeQueue b = new NodeQueue(client, layout, Consumers.unique(), Duration.ofSeconds(30),
                         Duration.ofHours(1), new QueueCounters());
                 StatefulRedisConnection<String, byte[]> admin = client.connect(Scripts.CODEC)) {
                int n = 60;
                List<CompletableFuture<Reply>> replies = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    replies.add((i % 2 == 0 ? s1 : s2).add(NodeQueueTest.bytes("t" + i), 1));
                }
                List<TaskEntry> held = NodeQueueTest.readAll(a, n - 1);
                TaskEntry other = NodeQueueTest.readAll(b, 1).get(0);  // held by node b, not a
                List<CompletableFuture<NodeQueue.Completion>> done = new ArrayList<>();
                for (int i = 0; i < held.size(); i++) {
                    TaskEntry e = held.get(i);
                    done.add(a.completeAsync(e, Reply.ok(e.taskId(), 1, e.body())));
                    if (i == held.size() / 2) {
                        done.add(a.completeAsync(other, Reply.ok(other.taskId(), 1, NodeQueueTest.bytes("stale"))));
                        done.add(a.completeAsync(e, Reply.ok(e.taskId(), 1, NodeQueueTest.bytes("twice"))));
                    }
                }
                List<NodeQueue.Completion> outcomes = new ArrayList<>();
                for (CompletableFuture<NodeQueue.Completion> f : done) {
                    outcomes.add(f.get(30, TimeUnit.SECONDS));
                }
                assertThat(outcomes.stream().filter(c -> c == NodeQueue.Completion.ACCEPTED)).hasSize(n - 1);
                assertThat(outcomes.stream().filter(c -> c == NodeQueue.Completion.REFUSED))
                        .as("node b's entry, and a second completion of one entry").hasSize(2);
                assertThat(counters.staleCompletions()).isEqualTo(2);
                assertThat(b.completeAsync(other, Reply.ok(other.taskId(), 1, other.body())).get(30, TimeUnit.SECONDS))
                        .isEqualTo(NodeQueue.Completion.ACCEPTED);
                for (int i = 0; i < n; i++) {
                    Reply r = replies.get(i).get(30, TimeUnit.SECONDS);
                    assertThat(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("t" + i);
                }
                assertThat(admin.sync().xlen(layout.tasks())).isZero();
                assertThat(admin.sync().xpending(layout.tasks(), StreamLayout.GROUP).getCount()).isZero();
                assertThat(admin.sync().pttl(s1.replyStream())).as("reply streams expire").isPositive();
                assertThat(admin.sync().pttl(s2.replyStream())).isPositive();
                // a batch after Redis lost the group says so for every entry
                admin.sync().del(layout.tasks());
                assertThat(a.completeAsync(held.get(0), Reply.ok(held.get(0).taskId(), 1, new byte[0]))
                        .get(30, TimeUnit.SECONDS)).isEqualTo(NodeQueue.Completion.GROUP_GONE);
            } finally {
                client.shutdown();
            }
        }
    }
}
