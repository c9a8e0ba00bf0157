package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

/**
 * Entries lost on the same Redis server, with no restart to tell (the task stream deleted mid-batch, FLUSHALL, one
 * entry deleted by some client): the submitter finds them gone without a reply and adds them again; every future
 * completes, once.
 */
class LostEntriesTest {

    static final StreamLayout LAYOUT = new StreamLayout("lost");

    @Test
    void theTaskStreamDeletedMidBatch() throws Exception {
        lose(redis -> redis.del(LAYOUT.tasks()), 8);
    }

    @Test
    void flushAllMidBatch() throws Exception {
        lose(RedisCommands::flushall, 8);
    }

    @Test
    void oneEntryDeletedBySomeClient() throws Exception {
        lose(redis -> redis.xdel(LAYOUT.tasks(), redis.xrange(LAYOUT.tasks(), io.lettuce.core.Range.create("-", "+"))
                .get(0).getId()), 1);
    }

    /** 10 tasks; a node completes 2 of them, then {@code fault} loses {@code lost} of the rest. */
    private void lose(Consumer<RedisCommands<String, byte[]>> fault, int lost) throws Exception {
        QueueCounters counters = new QueueCounters();
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (StatefulRedisConnection<String, byte[]> admin = client.connect(Scripts.CODEC);
                 Submitter s = new Submitter(client, LAYOUT, 100, false, Duration.ofMillis(200), counters);
                 NodeQueue node = new NodeQueue(client, LAYOUT, Consumers.unique(), Duration.ofSeconds(30),
                         Duration.ofHours(1), new QueueCounters())) {
                List<CompletableFuture<Reply>> replies = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    replies.add(s.add(("t" + i).getBytes(StandardCharsets.UTF_8), 3));
                }
                for (TaskEntry e : NodeQueueTest.readAll(node, 2)) {
                    assertThat(node.complete(e, Reply.ok(e.taskId(), 1, e.body())))
                            .isEqualTo(NodeQueue.Completion.ACCEPTED);
                }
                replies.get(0).get(20, TimeUnit.SECONDS);
                replies.get(1).get(20, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(20)).until(() -> admin.sync().xlen(LAYOUT.tasks()) == 8);
                assertThat(counters.readded()).as("nothing lost yet: nothing added again").isZero();
                fault.accept(admin.sync());
                Set<String> done = new HashSet<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (TaskEntry e : node.read(10, Duration.ofMillis(100))) {
                        assertThat(done.add(e.taskId())).as("each task read once after the loss").isTrue();
                        assertThat(node.complete(e, Reply.ok(e.taskId(), 1, e.body())))
                                .isEqualTo(NodeQueue.Completion.ACCEPTED);
                    }
                    return replies.stream().allMatch(CompletableFuture::isDone);
                });
                for (int i = 0; i < 10; i++) {
                    Reply r = replies.get(i).get(20, TimeUnit.SECONDS);
                    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("t" + i);
                }
                assertThat(counters.readded()).isEqualTo(lost);
                assertThat(counters.strayReplies()).isZero();
                assertThat(s.outstanding()).isZero();
            } finally {
                client.shutdown();
            }
        }
    }
}
