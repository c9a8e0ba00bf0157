package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.TaskTimeoutException;
import io.procpool.runtime.TaskPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cancel, timeouts and progress events across machines: a submitter's cancel stops the task on the node that runs it
 * (a node in this JVM, or a node JVM of its own), and its events come back in order.
 */
class RemoteCancelTest {

    /** Long: renewals (a third of it) are not how a cancel arrives here, the control stream is. */
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Duration PROMPT = Duration.ofSeconds(8);

    RedisServer server;
    RedisClient client;
    StatefulRedisConnection<String, byte[]> admin;
    RedisCommands<String, byte[]> redis;
    Path dir;

    @BeforeEach
    void start() throws Exception {
        server = RedisServer.start();
        client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
        admin = client.connect(Scripts.CODEC);
        redis = admin.sync();
        dir = Files.createTempDirectory("procpool-cancel");
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        client.shutdown();
        server.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
        Children.assertNoneLeft();
    }

    private String log(String name) {
        return dir.resolve(name).toString();
    }

    private static String read(String file) throws Exception {
        Path p = Path.of(file);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private void assertNothingLeftIn(String pool) {
        StreamLayout layout = new StreamLayout(pool);
        await().atMost(PROMPT).until(() -> redis.xpending(layout.tasks(), StreamLayout.GROUP).getCount() == 0);
        assertThat(redis.xlen(layout.tasks())).isZero();
    }

    @Test
    void cancelStopsTheRunningTaskOnItsNodeAndItsEntryIsAckedOnce() throws Exception {
        String pool = "cancel";
        String log = log("blocks");
        try (RedisNode node = RedisNode.start(client, pool, LEASE, TaskPool.builder().name("node").workers(1));
             RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 3, List.of())) {
            TaskFuture<String> f = s.submit(new Tasks.Blocks(log));
            await().atMost(Duration.ofSeconds(60)).until(() -> read(log).contains("started"));
            assertThat(f.cancel(true)).isTrue();
            assertThatThrownBy(f::join).isInstanceOf(CancellationException.class);
            await().atMost(PROMPT).until(() -> read(log).contains("interrupted"));
            await().atMost(PROMPT).until(() -> node.counters().cancelled() == 1 && node.held() == 0);
            assertNothingLeftIn(pool);
            assertThat(s.submit(new Tasks.Sleepy(2, 1)).get(60, TimeUnit.SECONDS)[0]).as("the node goes on").isEqualTo(2);
            assertThat(read(log)).as("it ran once").containsOnlyOnce("started");
            assertThat(node.counters().staleCompletions()).isZero();
            assertThat(s.counters().strayReplies()).isZero();
            await().atMost(PROMPT).untilAsserted(() -> assertThat(node.pool().stats()).as("the node's stats count"
                    + " its source jobs").satisfies(st -> {
                        assertThat(st.completed()).isEqualTo(1);
                        assertThat(st.failed()).as("the cancelled one").isEqualTo(1);
                    }));
        }
    }

    @Test
    void orTimeoutStopsTheTaskOnANodeInAnotherJvm() throws Exception {
        String pool = "or-timeout";
        String log = log("blocks");
        Path nodeLog = dir.resolve("node.log");
        Process b = NodeJvm.start(server, pool, 1, LEASE, nodeLog);
        try (RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 3, List.of())) {
            TaskFuture<String> f = s.submit(new Tasks.Blocks(log));
            await().atMost(Duration.ofSeconds(60)).until(() -> read(log).contains("started"));
            f.orTimeout(1, TimeUnit.MILLISECONDS);
            assertThatThrownBy(() -> f.get(PROMPT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class);
            await().atMost(PROMPT).until(() -> read(log).contains("interrupted"));
            assertNothingLeftIn(pool);
            assertThat(s.submit(new Tasks.Sleepy(3, 1)).get(60, TimeUnit.SECONDS)[1]).as("node B goes on")
                    .isEqualTo(b.pid());
            assertThat(s.counters().strayReplies()).isZero();
        } finally {
            b.getOutputStream().close();  // NodeMain closes its node when its stdin ends
            if (!b.waitFor(30, TimeUnit.SECONDS)) {
                b.destroyForcibly();
                b.waitFor();
            }
        }
    }

    @Test
    void aTaskTimeoutFailsTheRemoteFutureAndStopsTheTask() throws Exception {
        String pool = "task-timeout";
        String log = log("blocks");
        try (RedisNode node = RedisNode.start(client, pool, LEASE, TaskPool.builder().name("node").workers(1));
             RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 3, List.of())) {
            TaskFuture<String> f = s.submit(new Tasks.Blocks(log), TaskOptions.timeout(Duration.ofMillis(500)));
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TaskTimeoutException.class);
            await().atMost(PROMPT).until(() -> read(log).contains("interrupted"));
            assertNothingLeftIn(pool);
            assertThat(node.held()).isZero();
        }
    }

    @Test
    void aTaskThatThrowsCancellationExceptionItselfIsAnsweredNotLeftHeld() throws Exception {
        String pool = "self-cancel";
        try (RedisNode node = RedisNode.start(client, pool, LEASE, TaskPool.builder().name("node").workers(1));
             RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 3, List.of())) {
            TaskFuture<String> f = s.submit(new Tasks.ThrowsCancel());
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class)
                    .hasMessageContaining("cancelled on its node");
            await().atMost(PROMPT).until(() -> node.held() == 0);
            assertNothingLeftIn(pool);
        }
    }

    @Test
    void aTaskCancelledBeforeAnyNodeTookItNeverRuns() throws Exception {
        String pool = "cancel-queued";
        String log = log("blocks");
        StreamLayout layout = new StreamLayout(pool);
        try (RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 3, List.of())) {
            TaskFuture<String> f = s.submit(new Tasks.Blocks(log));
            assertThat(f.cancel(true)).isTrue();
            await().atMost(PROMPT).until(() -> s.counters().cancelled() == 1 && redis.exists(layout.tasks()) == 1
                    && redis.xlen(layout.tasks()) == 0);
            try (RedisNode node = RedisNode.start(client, pool, LEASE, TaskPool.builder().name("node").workers(1))) {
                // one worker, stream order: had the cancelled entry been there, it would have run first
                assertThat(s.submit(new Tasks.Sleepy(4, 1)).get(60, TimeUnit.SECONDS)[0]).isEqualTo(4);
                assertThat(node.counters().cancelled()).as("no node held it").isZero();
            }
            assertThat(read(log)).isEmpty();
            assertNothingLeftIn(pool);
        }
    }

    @Test
    void progressEventsReachTheSubmitterInOrderBeforeTheFutureCompletes() throws Exception {
        String pool = "events";
        Path gate = dir.resolve("gate");
        int n = 50;
        try (RedisNode node = RedisNode.start(client, pool, LEASE, TaskPool.builder().name("node").workers(1));
             RedisSubmitter s = new RedisSubmitter(client, pool, 100, false, 3, List.of())) {
            List<Object> events = Collections.synchronizedList(new ArrayList<>());
            List<Boolean> doneWhenSeen = Collections.synchronizedList(new ArrayList<>());
            TaskFuture<Integer> f = s.submit(new Tasks.Emits(gate.toString(), n));
            f.onEvent(e -> {
                doneWhenSeen.add(f.isDone());
                events.add(e);
            });
            Files.createFile(gate);
            assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(n);
            assertThat(events).containsExactlyElementsOf(IntStream.range(0, n).mapToObj(i -> "event-" + i).toList());
            assertThat(doneWhenSeen).containsOnly(false);
            assertThat(s.counters().strayReplies()).isZero();
            assertThat(node.held()).isZero();
        }
        assertNothingLeftIn(pool);
    }
}
