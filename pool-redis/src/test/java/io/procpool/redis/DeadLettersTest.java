package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    @Test
    void aDeadLetterCanBeListedRequeuedAsANewTaskAndPurged() throws Exception {
        StreamLayout layout = new StreamLayout("dlq");
        QueueCounters counters = new QueueCounters();
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (Submitter s = new Submitter(client, layout, 100, false, Duration.ofSeconds(1), counters);
                 NodeQueue node = new NodeQueue(client, layout, Consumers.unique(), Duration.ofSeconds(5),
                         Duration.ofHours(1), counters);
                 DeadLetters dlq = new DeadLetters(client, layout)) {
                s.add("aa".getBytes(StandardCharsets.UTF_8), 1);
                s.add("bb".getBytes(StandardCharsets.UTF_8), 1);
                for (TaskEntry e : NodeQueueTest.readAll(node, 2)) {
                    node.deadLetter(e, "poison " + TaskEntry.str(e.body()));
                }
                List<DeadLetters.Dead> dead = dlq.list(10);
                assertThat(dead).extracting(DeadLetters.Dead::error).containsExactly("poison aa", "poison bb");
                assertThat(dead.get(0).deliveries()).isEqualTo(1);
                assertThat(dead.get(0).consumer()).isEqualTo(node.consumer());

                assertThat(dlq.requeue(List.of(dead.get(0).entryId()))).isEqualTo(1);
                TaskEntry again = NodeQueueTest.readAll(node, 1).get(0);
                assertThat(TaskEntry.str(again.body())).isEqualTo("aa");
                assertThat(again.deliveries()).isEqualTo(1);
                assertThat(again.taskId()).isEqualTo(dead.get(0).taskId());
                assertThat(dlq.count()).isEqualTo(1);

                assertThat(dlq.purge(List.of())).isEqualTo(1);
                assertThat(dlq.count()).isZero();
            } finally {
                client.shutdown();
            }
        }
    }
}
