package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.procpool.ExitStatus;
import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.redis.RedisClients;
import io.procpool.redis.RedisSubmitter;
import io.procpool.redis.StreamLayout;
import io.procpool.runtime.testing.Children;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code procpool node} and {@code procpool dlq} against a real redis-server. */
class RedisCommandsTest extends InProcessCli {

    @TempDir
    Path dir;

    /** A task the node's workers run: they have this JVM's class path. */
    record Square(int n) implements Task<Integer> {
        @Override
        public Integer call() {
            return n * n;
        }
    }

    @Test
    void aNodeServesASubmittersTasksAndStopsOnCtrlCLeavingNoWorker() throws Exception {
        try (LocalRedis redis = new LocalRedis(dir)) {
            RedisClient client = RedisClients.create(redis.uri(), Duration.ofSeconds(5));
            try (CliProcess node = CliProcess.start("node", "--redis", redis.uri(), "--pool", "cli", "--workers", "1",
                    "--lease", "2s");
                 RedisSubmitter submitter = new RedisSubmitter(client, "cli", 100, false, 3, List.of())) {
                assertThat(node.awaitErrLine("node ")).as(node.allErr()).contains("serving pool cli with 1 workers");
                List<Long> workers = Children.of(node.pid()).stream().map(Children.Child::pid).toList();
                assertThat(workers).hasSize(1);
                TaskFuture<Integer> f = submitter.submit(new Square(12));
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(144);
                node.interrupt();
                ExitStatus status = node.waitFor().orElseThrow(() -> new AssertionError("node did not end"));
                assertThat(status.exitCode()).isEqualTo(130);
                await().atMost(Duration.ofSeconds(10)).until(() -> workers.stream().noneMatch(Children::exists));
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void dlqListsRequeuesAndPurgesDeadLetters() throws Exception {
        try (LocalRedis redis = new LocalRedis(dir)) {
            RedisClient client = RedisClients.create(redis.uri(), Duration.ofSeconds(5));
            StreamLayout layout = new StreamLayout("cli");
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                String first = c.sync().xadd(layout.dead(), Map.of("id", "s:1", "reply", layout.replies("s"),
                        "max", "3", "timeout", "0", "body", "x", "error", "worker died\tagain", "deliveries", "3",
                        "consumer", "n1", "entry", "1-0"));
                c.sync().xadd(layout.dead(), Map.of("id", "s:2", "reply", layout.replies("s"), "max", "3",
                        "body", "y", "error", "bad", "deliveries", "1", "consumer", "n2", "entry", "2-0"));
                assertThat(execute("dlq", "list", "--redis", redis.uri(), "--pool", "cli")).isZero();
                assertThat(out.toString().lines().toList()).containsExactly(
                        first + "\ts:1\t3\tn1\tworker died again", out.toString().lines().toList().get(1));
                assertThat(execute("dlq", "requeue", first, "--redis", redis.uri(), "--pool", "cli")).isZero();
                assertThat(out.toString()).contains("requeued 1");
                assertThat(c.sync().xlen(layout.tasks())).isEqualTo(1);
                var task = c.sync().xrange(layout.tasks(), io.lettuce.core.Range.unbounded()).get(0).getBody();
                assertThat(task).containsEntry("id", "s:1").containsEntry("body", "x").doesNotContainKey("error");
                assertThat(execute("dlq", "purge", "--redis", redis.uri(), "--pool", "cli")).isEqualTo(2);
                assertThat(execute("dlq", "purge", "--all", "--redis", redis.uri(), "--pool", "cli")).isZero();
                assertThat(out.toString()).contains("purged 1");
                assertThat(c.sync().xlen(layout.dead())).isZero();
            } finally {
                client.shutdown();
            }
        }
    }
}
