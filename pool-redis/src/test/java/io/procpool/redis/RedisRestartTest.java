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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis goes away: restarted empty (no persistence), or down for longer than a lease. */
class RedisRestartTest {

    static final Duration LEASE = Duration.ofMillis(600);

    RedisServer server;
    RedisClient client;
    StreamLayout layout = new StreamLayout("restart-pool");
    QueueCounters nodeCounters = new QueueCounters();
    QueueCounters submitterCounters = new QueueCounters();

    @BeforeEach
    void start() {
        server = RedisServer.start();
        client = RedisClients.create(server.uri(), Duration.ofSeconds(1));
    }

    @AfterEach
    void stop() {
        client.shutdown();
        server.close();
    }

    @Test
    void afterARestartTheGroupIsRecreatedAndTheSubmitterAddsWhatWasLost() throws Exception {
        try (Submitter s = new Submitter(client, layout, 100, false, Duration.ofMillis(200), submitterCounters);
             NodeQueue node = new NodeQueue(client, layout, Consumers.unique(), LEASE, Duration.ofHours(1),
                     nodeCounters)) {
            List<CompletableFuture<Reply>> futures = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                futures.add(s.add(("t" + i).getBytes(StandardCharsets.UTF_8), 3));
            }
            List<TaskEntry> before = NodeQueueTest.readAll(node, 5);
            server.restart();  // everything in memory is gone: stream, group, pending entries, reply stream
            await().atMost(Duration.ofSeconds(30)).until(() -> submitterCounters.readded() == 5);
            assertThat(submitterCounters.reconnects()).isEqualTo(1);
            // the node's late results for entries of the old server are refused: their group is gone
            for (TaskEntry e : before) {
                assertThat(node.complete(e, Reply.ok(e.taskId(), 1, new byte[0])))
                        .isEqualTo(NodeQueue.Completion.GROUP_GONE);
            }
            List<TaskEntry> after = NodeQueueTest.readAll(node, 5);  // NOGROUP: recreated at 0, then read
            assertThat(nodeCounters.groupsCreated()).isEqualTo(2);
            Set<String> taskIds = new HashSet<>();
            for (TaskEntry e : after) {
                taskIds.add(e.taskId());
                assertThat(node.complete(e, Reply.ok(e.taskId(), e.deliveries(), e.body())))
                        .isEqualTo(NodeQueue.Completion.ACCEPTED);
            }
            assertThat(taskIds).hasSize(5);
            for (int i = 0; i < 5; i++) {
                Reply r = futures.get(i).get(30, TimeUnit.SECONDS);
                assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("t" + i);
            }
            assertThat(s.outstanding()).isZero();
        }
    }

    @Test
    void aNodeThatCannotRenewForAWholeLeaseGivesUpWhatItHolds() throws Exception {
        try (Submitter s = new Submitter(client, layout, 100, false, Duration.ofMillis(200), submitterCounters);
             NodeQueue node = new NodeQueue(client, layout, Consumers.unique(), LEASE, Duration.ofHours(1),
                     nodeCounters)) {
            CompletableFuture<Reply> f = s.add("held".getBytes(StandardCharsets.UTF_8), 3);
            TaskEntry e = NodeQueueTest.readAll(node, 1).get(0);
            List<String> lost = new CopyOnWriteArrayList<>();
            List<String> why = new CopyOnWriteArrayList<>();
            try (LeaseKeeper keeper = new LeaseKeeper(node, nodeCounters, (ids, w) -> {
                lost.addAll(ids);
                why.add(w);
            })) {
                keeper.hold(e.entryId());
                server.kill();
                await().atMost(Duration.ofSeconds(30)).until(() -> lost.contains(e.entryId()));
                assertThat(why.get(0)).contains("could not be renewed");
                assertThat(keeper.heldCount()).isZero();
                assertThat(nodeCounters.leasesLost()).isEqualTo(1);
            }
            server.restart();
            // the task is not lost: the submitter sees the new server and adds it again
            await().atMost(Duration.ofSeconds(30)).until(() -> submitterCounters.readded() == 1);
            TaskEntry again = NodeQueueTest.readAll(node, 1).get(0);
            node.complete(again, Reply.ok(again.taskId(), 1, again.body()));
            assertThat(f.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(Reply.Outcome.OK);
        }
    }
}
