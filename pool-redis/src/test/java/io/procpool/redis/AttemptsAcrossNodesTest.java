package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import org.junit.jupiter.api.Test;

/** The entry's delivery count is the one attempt counter: local crash retries raise it too. */
class AttemptsAcrossNodesTest {

    static final Duration LEASE = Duration.ofSeconds(1);

    @Test
    void aPoisonTaskRunsExactlyMaxAttemptsTimesAcrossTwoNodes() throws Exception {
        String pool = "poison-2";
        Path dir = Files.createTempDirectory("procpool-attempts");
        Path runs = dir.resolve("runs");
        Path nodeLog = dir.resolve("node-b.log");
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try {
                // node B alone: run 1 kills its worker (a local retry), run 2 kills node B itself
                Process b = NodeJvm.start(server, pool, 1, LEASE, nodeLog);
                try (RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 3, List.of())) {
                    TaskFuture<String> f = s.submit(new Tasks.Poison(runs.toString()), new TaskOptions(null, 3));
                    assertThat(b.waitFor(120, TimeUnit.SECONDS)).as("the task killed node B").isTrue();
                    // node A reclaims it after the lease: delivery 3 (B's local retry counted), its last attempt
                    try (RedisNode a = RedisNode.start(client, pool, LEASE, TaskPool.builder().name("node-a")
                            .workers(1))) {
                        assertThatThrownBy(() -> f.get(120, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                                .cause().isInstanceOf(WorkerCrashedException.class).hasMessageContaining("dead-letter");
                        assertThat(a.counters().reclaimed()).isEqualTo(1);
                    }
                    List<String> lines = Files.readAllLines(runs);
                    assertThat(lines).as("runs in total (pid, attempt)").hasSize(3);
                    assertThat(lines.get(0)).endsWith("attempt 1");
                    assertThat(lines.get(1)).endsWith("attempt 2");
                    assertThat(lines.get(2)).endsWith("attempt 3");
                    StreamLayout layout = new StreamLayout(pool);
                    try (var c = client.connect(Scripts.CODEC)) {
                        assertThat(c.sync().xlen(layout.tasks())).isZero();
                        assertThat(c.sync().xlen(layout.dead())).isEqualTo(1);
                    }
                } finally {
                    if (b.isAlive()) {
                        b.destroyForcibly();
                        b.waitFor();
                    }
                }
            } finally {
                client.shutdown();
            }
        } finally {
            for (Path p : List.of(runs, nodeLog, dir)) {
                Files.deleteIfExists(p);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Children.ofThisJvm().isEmpty());
        Children.assertNoneLeft();
    }
}
