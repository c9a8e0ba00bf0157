package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import org.junit.jupiter.api.Test;

/** Redis with its AOF (appendfsync always) killed and restarted mid-batch, end to end: nothing hangs or runs twice. */
class RedisAofRestartTest {

    @Test
    void aRedisRestartedWithItsAofMidBatchAnswersEveryTaskOnce() throws Exception {
        String pool = "aof";
        StreamLayout layout = new StreamLayout(pool);
        try (RedisServer server = RedisServer.start(true)) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (RedisNode node = RedisNode.start(client, pool, Duration.ofSeconds(5), TaskPool.builder().name("node")
                         .workers(2));
                 RedisSubmitter s = new RedisSubmitter(client, pool, 1000, false, 3, List.of())) {
                int n = 30;
                List<TaskFuture<long[]>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    futures.add(s.submit(new Tasks.Sleepy(i, 100)));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> futures.stream().filter(f -> f.isDone()).count() >= 5
                        && node.held() > 0);
                server.restart();  // SIGKILL mid-batch; the new server loads the AOF: entries, group, pending, replies
                for (int i = 0; i < n; i++) {
                    assertThat(futures.get(i).get(120, TimeUnit.SECONDS)[0]).isEqualTo(i);
                }
                assertThat(s.counters().reconnects()).as("the submitter saw the new server").isEqualTo(1);
                assertThat(s.counters().readded()).as("the AOF kept every entry: nothing re-added").isZero();
                assertThat(s.counters().strayReplies()).as("no task answered twice").isZero();
                assertThat(node.counters().groupsCreated()).as("the group survived").isEqualTo(1);
                await().atMost(Duration.ofSeconds(30)).until(() -> node.held() == 0);
                try (var c = client.connect(Scripts.CODEC)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> c.sync().xlen(layout.tasks()) == 0
                            && c.sync().xpending(layout.tasks(), StreamLayout.GROUP).getCount() == 0);
                    assertThat(c.sync().exists(layout.dead())).isZero();
                }
            } finally {
                client.shutdown();
            }
        }
        Children.assertNoneLeft();
    }
}
