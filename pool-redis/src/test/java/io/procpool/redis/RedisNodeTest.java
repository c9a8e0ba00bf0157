package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** End to end: node pools with real worker JVMs drain one stream; a node JVM is killed mid-batch. */
class RedisNodeTest {

    static final Duration LEASE = Duration.ofSeconds(1);

    RedisServer server;
    RedisClient client;
    StatefulRedisConnection<String, byte[]> admin;
    RedisCommands<String, byte[]> redis;

    @BeforeEach
    void start() {
        server = RedisServer.start();
        client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
        admin = client.connect(Scripts.CODEC);
        redis = admin.sync();
    }

    @AfterEach
    void stop() {
        admin.close();
        client.shutdown();
        server.close();
        Children.assertNoneLeft();
    }

    private Process nodeJvm(String pool, int workers, Path log) throws Exception {
        return NodeJvm.start(server, pool, workers, LEASE, log);
    }

    private Map<String, Long> pendingByConsumer(String pool) {
        return redis.xpending(new StreamLayout(pool).tasks(), StreamLayout.GROUP).getConsumerMessageCount();
    }

    @Test
    void aKilledNodesTasksAreReclaimedByTheOtherAndEachCompletesOnce() throws Exception {
        String pool = "e2e";
        Path log = Files.createTempFile("node-b", ".log");
        Process b = nodeJvm(pool, 2, log);
        List<Long> orphans = new ArrayList<>();
        try (RedisNode a = RedisNode.start(client, pool, LEASE, TaskPool.builder().name("node-a").workers(2));
             RedisSubmitter s = new RedisSubmitter(client, pool, 1000, false, 3, List.of())) {
            int n = 40;
            List<TaskFuture<long[]>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(s.submit(new Tasks.Sleepy(i, 150)));
            }
            // mid-batch: node B has run tasks and holds more
            await().atMost(Duration.ofSeconds(60)).until(() -> futures.stream().anyMatch(f -> f.isDone()
                    && f.join()[1] == b.pid()) && pendingByConsumer(pool).entrySet().stream()
                    .anyMatch(e -> !e.getKey().equals(a.consumer()) && e.getValue() > 0));
            b.descendants().forEach(d -> orphans.add(d.pid()));
            b.destroyForcibly();  // SIGKILL: no goodbye, its entries stay pending under its consumer name
            b.waitFor();
            int byA = 0;
            for (int i = 0; i < n; i++) {
                long[] r = futures.get(i).get(60, TimeUnit.SECONDS);
                assertThat(r[0]).isEqualTo(i);
                if (r[1] == ProcessHandle.current().pid()) {
                    byA++;
                }
            }
            assertThat(byA).isPositive().isLessThan(n);
            assertThat(a.counters().reclaimed()).as("node A took over B's entries").isPositive();
            assertThat(s.counters().strayReplies()).as("no task answered twice").isZero();
            StreamLayout layout = new StreamLayout(pool);
            assertThat(redis.xlen(layout.tasks())).isZero();
            assertThat(redis.xpending(layout.tasks(), StreamLayout.GROUP).getCount()).isZero();
            assertThat(redis.exists(layout.dead())).isZero();
        } finally {
            if (b.isAlive()) {
                b.destroyForcibly();
                b.waitFor();
            }
        }
        // B's workers saw their channel end, finished the task in hand and left
        await().atMost(Duration.ofSeconds(30)).until(() -> orphans.stream()
                .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
        Files.deleteIfExists(log);
    }

    private static void signal(String sig, long pid) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertThat(k.waitFor()).isZero();
    }

    @Test
    void aNodeStoppedPastItsLeaseLosesItsTaskToAnotherAndNeverAnswersItAgain() throws Exception {
        String pool = "stopped";
        Path log = Files.createTempFile("node-b", ".log");
        Process b = nodeJvm(pool, 1, log);
        List<Long> orphans = new ArrayList<>();
        try (RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 3, List.of())) {
            TaskFuture<long[]> f = s.submit(new Tasks.Sleepy(1, 500));
            await().atMost(Duration.ofSeconds(60)).until(() -> pendingByConsumer(pool).values().stream()
                    .mapToLong(Long::longValue).sum() == 1);
            signal("STOP", b.pid());  // node B holds the task and stops renewing; its worker runs on
            try (RedisNode a = RedisNode.start(client, pool, LEASE, TaskPool.builder().name("node-a").workers(1))) {
                long[] r = f.get(60, TimeUnit.SECONDS);
                assertThat(r[1]).as("node A ran it again").isEqualTo(ProcessHandle.current().pid());
                assertThat(a.counters().reclaimed()).isEqualTo(1);
                b.descendants().forEach(d -> orphans.add(d.pid()));
                signal("CONT", b.pid());
                // B wakes up holding a task it no longer owns: either its worker's late result comes first and the
                // owner check refuses it, or its renewal comes first, finds the entry gone and B gives the task up
                // (and stops it); which one wins is a race between two of B's threads. Never a second answer.
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    String said = Files.readString(log);
                    return said.contains("refused") || said.contains("gives up 1 held task");
                });
                assertThat(s.counters().strayReplies()).as("no second answer").isZero();
                assertThat(redis.xlen(new StreamLayout(pool).tasks())).isZero();
            }
        } finally {
            if (b.isAlive()) {
                signal("CONT", b.pid());
                b.getOutputStream().close();  // NodeMain closes its node when its stdin ends
                if (!b.waitFor(30, TimeUnit.SECONDS)) {
                    b.destroyForcibly();
                    b.waitFor();
                }
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> orphans.stream()
                .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
        Files.deleteIfExists(log);
    }

    @Test
    void aTaskThatCrashesItsWorkersIsDeadLetteredAfterMaxAttemptsAndItsFutureFails() throws Exception {
        String pool = "poison";
        try (RedisNode a = RedisNode.start(client, pool, LEASE, TaskPool.builder().name("node-a").workers(2));
             RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 3, List.of())) {
            TaskFuture<String> crash = s.submit(new Tasks.Crash(), new TaskOptions(null, 2));
            TaskFuture<String> thrown = s.submit(new Tasks.Throws("boom"));
            TaskFuture<long[]> fine = s.submit(new Tasks.Sleepy(7, 1));
            assertThatThrownBy(() -> crash.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(WorkerCrashedException.class).hasMessageContaining("dead-lettered");
            assertThatThrownBy(() -> thrown.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(TaskFailedException.class, e -> {
                        assertThat(e.remoteClass()).isEqualTo(IllegalStateException.class.getName());
                        assertThat(e.remoteMessage()).isEqualTo("boom");
                    });
            assertThat(fine.get(60, TimeUnit.SECONDS)[0]).isEqualTo(7);
            StreamLayout layout = new StreamLayout(pool);
            var dead = redis.xrange(layout.dead(), io.lettuce.core.Range.unbounded());
            assertThat(dead).hasSize(1);
            assertThat(new String(dead.get(0).getBody().get("error"), StandardCharsets.UTF_8)).isNotBlank();
            assertThat(a.counters().deadLettered()).isEqualTo(1);
            assertThat(redis.xlen(layout.tasks())).isZero();
        }
    }
}
