package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

/**
 * add_batch.lua, as a submitter's adds send it (AddBatcher), against a real redis-server: adds from several threads at
 * once go in batches, each entry with the fields a node reads, each thread's tasks in the order it added them, and
 * every task's future answered once when a node completes it.
 */
class AddBatchTest {

    @Test
    void concurrentAddsGoInBatchesInOrderWithEveryField() throws Exception {
        StreamLayout layout = new StreamLayout("add-pool");
        int threads = 4;
        int each = 300;
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(5));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try (Submitter s = new Submitter(client, layout, threads * each, false, Duration.ofSeconds(1),
                    new QueueCounters());
                 NodeQueue node = new NodeQueue(client, layout, Consumers.unique(), Duration.ofSeconds(30),
                         Duration.ofHours(1), new QueueCounters());
                 StatefulRedisConnection<String, byte[]> admin = client.connect(Scripts.CODEC)) {
                admin.sync().configResetstat();
                List<Future<List<Submitter.Added>>> adders = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    adders.add(pool.submit(() -> {
                        List<Submitter.Added> out = new ArrayList<>();
                        for (int i = 0; i < each; i++) {
                            out.add(s.add(NodeQueueTest.bytes(thread + ":" + i), 1 + i % 3,
                                    i % 2 == 0 ? null : Duration.ofMillis(1000 + i), null));
                        }
                        return out;
                    }));
                }
                Map<String, Integer> order = new HashMap<>();  // task id -> its place in its thread's adds
                List<Submitter.Added> added = new ArrayList<>();
                for (Future<List<Submitter.Added>> f : adders) {
                    List<Submitter.Added> got = f.get(60, TimeUnit.SECONDS);
                    for (int i = 0; i < got.size(); i++) {
                        order.put(got.get(i).taskId(), i);
                    }
                    added.addAll(got);
                }
                List<TaskEntry> entries = NodeQueueTest.readAll(node, threads * each);
                assertThat(entries).hasSize(threads * each);
                int[] next = new int[threads];
                for (TaskEntry e : entries) {
                    String body = new String(e.body(), StandardCharsets.UTF_8);
                    int thread = Integer.parseInt(body.substring(0, body.indexOf(':')));
                    int i = Integer.parseInt(body.substring(body.indexOf(':') + 1));
                    assertThat(i).as("thread %d's tasks in the order it added them", thread).isEqualTo(next[thread]);
                    next[thread]++;
                    assertThat(order.get(e.taskId())).as("task id of %s", body).isEqualTo(i);
                    assertThat(e.replyTo()).isEqualTo(s.replyStream());
                    assertThat(e.maxAttempts()).isEqualTo(1 + i % 3);
                    assertThat(e.timeout()).isEqualTo(i % 2 == 0 ? null : Duration.ofMillis(1000 + i));
                    assertThat(e.deliveries()).isEqualTo(1);
                }
                List<StreamMessage<String, byte[]>> first = admin.sync().xrange(layout.tasks(), Range.unbounded(),
                        io.lettuce.core.Limit.from(1));
                assertThat(first.get(0).getBody().keySet()).as("the fields a task entry has, in order")
                        .containsExactly("id", "reply", "max", "timeout", "body");
                String stats = admin.sync().info("commandstats");
                assertThat(calls(stats, "xadd")).isEqualTo(threads * each);
                assertThat(calls(stats, "evalsha") + calls(stats, "eval")).as("adds went in batches: script calls")
                        .isPositive().isLessThan(threads * each);
                List<CompletableFuture<NodeQueue.Completion>> done = new ArrayList<>();
                for (TaskEntry e : entries) {
                    done.add(node.completeAsync(e, Reply.ok(e.taskId(), 1, e.body())));
                }
                for (CompletableFuture<NodeQueue.Completion> f : done) {
                    assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(NodeQueue.Completion.ACCEPTED);
                }
                for (Submitter.Added a : added) {
                    Reply r = a.future().get(30, TimeUnit.SECONDS);
                    assertThat(r.taskId()).isEqualTo(a.taskId());
                    assertThat(r.errorClass()).as("an ok reply has no error fields, read as empty").isEmpty();
                    assertThat(r.errorStack()).isEmpty();
                }
                assertThat(s.outstanding()).isZero();
            } finally {
                pool.shutdownNow();
                client.shutdown();
            }
        }
    }

    /** cmdstat_xadd:calls=3,... → 3 (0 when absent). */
    private static long calls(String info, String command) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                int c = line.indexOf("calls=") + "calls=".length();
                return Long.parseLong(line.substring(c, line.indexOf(',', c)));
            }
        }
        return 0;
    }
}
