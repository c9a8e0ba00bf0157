package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
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

    /** Waits until its gate file exists, then answers its number: a task that holds its worker while the test looks. */
    record Gated(String gate, int n) implements Task<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            while (!Files.exists(Path.of(gate))) {
                Thread.sleep(5);
            }
            return n;
        }
    }

    @Test
    void aNodeHoldsWhatItsPrefetchAndReadAheadAllowAndNoMore() throws Exception {
        try (LocalRedis redis = new LocalRedis(dir)) {
            RedisClient client = RedisClients.create(redis.uri(), Duration.ofSeconds(5));
            Path gate = dir.resolve("gate");
            StreamLayout layout = new StreamLayout("held");
            try (CliProcess node = CliProcess.start("node", "--redis", redis.uri(), "--pool", "held", "--workers", "1",
                    "--prefetch", "1", "--read-ahead", "2", "--lease", "5s");
                 RedisSubmitter submitter = new RedisSubmitter(client, "held", 100, false, 3, List.of());
                 StatefulRedisConnection<String, String> c = client.connect()) {
                String line = node.awaitErrLine("node ");
                assertThat(line).as(node.allErr()).contains("with 1 workers (prefetch 1, read-ahead 2)");
                String consumer = line.substring("node ".length(), line.indexOf(" serving"));
                List<TaskFuture<Integer>> futures = new java.util.ArrayList<>();
                for (int i = 0; i < 7; i++) {
                    futures.add(submitter.submit(new Gated(gate.toString(), i)));
                }
                // 1 running + 1 prefetched to the worker + 2 read ahead: 4 held by the node, 3 left in the stream
                java.util.function.Supplier<Long> held = () -> c.sync().xpending(layout.tasks(), StreamLayout.GROUP)
                        .getConsumerMessageCount().getOrDefault(consumer, 0L);
                await().atMost(Duration.ofSeconds(60)).until(() -> held.get() == 4);
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> held.get() == 4);
                open(gate);
                for (int i = 0; i < futures.size(); i++) {
                    assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i);
                }
                node.interrupt();
                assertThat(node.waitFor()).isPresent();
            } finally {
                open(gate);  // a failed test must not leave a gated task running in an orphaned worker
                client.shutdown();
            }
        }
    }

    /** Says it started (creates {@code started}), waits for its gate file, then answers its attempt. */
    record Held(String started, String gate) implements Task<Integer> {
        @Override
        public Integer call() throws Exception {
            Files.createFile(Path.of(started));
            while (!Files.exists(Path.of(gate))) {
                Thread.sleep(5);
            }
            return io.procpool.TaskContext.current().attempt();
        }
    }

    @Test
    void sigtermDrainsANodeItsRunningTaskCompletesThereOnItsFirstAttemptAndTheNextWaitsForAnotherNode()
            throws Exception {
        try (LocalRedis redis = new LocalRedis(dir)) {
            RedisClient client = RedisClients.create(redis.uri(), Duration.ofSeconds(5));
            Path gate = dir.resolve("gate");
            try (CliProcess node = CliProcess.start("node", "--redis", redis.uri(), "--pool", "term", "--workers", "1",
                    "--lease", "3s");
                 RedisSubmitter submitter = new RedisSubmitter(client, "term", 100, false, 3, List.of())) {
                assertThat(node.awaitErrLine("node ")).as(node.allErr()).contains("serving pool term");
                List<Long> workers = Children.of(node.pid()).stream().map(Children.Child::pid).toList();
                TaskFuture<Integer> running = submitter.submit(new Held(dir.resolve("s1").toString(),
                        gate.toString()));
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dir.resolve("s1")));
                TaskFuture<Integer> next = submitter.submit(new Held(dir.resolve("s2").toString(), gate.toString()));
                node.terminate();
                // draining: the running task is not stopped, and the node takes nothing more
                assertThat(node.awaitErrLine(l -> l.contains("finish what they hold"))).as(node.allErr())
                        .isNotNull();
                open(gate);
                assertThat(running.get(60, TimeUnit.SECONDS)).as(node.allErr()).isEqualTo(1);
                ExitStatus status = node.waitFor().orElseThrow(() -> new AssertionError("node did not end"));
                assertThat(status.exitCode()).isEqualTo(143);
                await().atMost(Duration.ofSeconds(10)).until(() -> workers.stream().noneMatch(Children::exists));
                assertThat(Files.exists(dir.resolve("s2"))).isFalse();
                try (CliProcess other = CliProcess.start("node", "--redis", redis.uri(), "--pool", "term",
                        "--workers", "1", "--lease", "3s")) {
                    assertThat(next.get(60, TimeUnit.SECONDS)).as(other.allErr()).isEqualTo(1);
                    other.interrupt();
                    assertThat(other.waitFor()).isPresent();
                }
            } finally {
                open(gate);  // a failed test must not leave a gated task running in an orphaned worker
                client.shutdown();
            }
        }
    }

    private static void open(Path gate) throws java.io.IOException {
        if (!Files.exists(gate)) {
            Files.createFile(gate);
        }
    }

    @Test
    void aNodeRefusesAPrefetchOrReadAheadOutOfRangeNamingIt() {
        assertThat(execute("node", "--redis", "redis://127.0.0.1:1", "--pool", "p", "--read-ahead", "-1"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--read-ahead must be 0..1024, was -1");
        assertThat(execute("node", "--redis", "redis://127.0.0.1:1", "--pool", "p", "--prefetch", "1025"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--prefetch must be 0..1024, was 1025");
    }

    @Test
    void aBadRedisUrlPoolOrLeaseIsAUsageErrorNamingTheOption() {
        assertThat(execute("node", "--redis", "redis://127.0.0.1:1", "--pool", "p", "--lease", "50ms")).isEqualTo(2);
        assertThat(err.toString()).contains("--lease must be at least 100ms, was 50ms");
        assertThat(execute("node", "--redis", "redis://127.0.0.1:1", "--pool", "bad pool")).isEqualTo(2);
        assertThat(err.toString()).contains("--pool: pool name must be 1..64 of [A-Za-z0-9._-], was bad pool");
        assertThat(execute("node", "--redis", "notaurl", "--pool", "p")).isEqualTo(2);
        assertThat(execute("dlq", "list", "--redis", "notaurl", "--pool", "p")).isEqualTo(2);
        assertThat(execute("run", "--redis", "notaurl", "--", "cat")).isEqualTo(2);
        assertThat(err.toString().lines().filter(l -> l.contains(": --redis notaurl: not a Redis URL")).count())
                .as(err.toString()).isEqualTo(3);
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
