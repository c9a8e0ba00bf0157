package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.XPendingArgs;
import org.junit.jupiter.api.Test;

/** The Redis layer against a real redis-server: leases, reclaim races, owned completion, dead letters. */
class NodeQueueTest extends RedisLayerFixture {

    static final Duration LEASE = Duration.ofMillis(400);
    static final Duration BLOCK = Duration.ofMillis(200);

    NodeQueueTest() {
        super("test-pool", LEASE, Duration.ofMillis(200), false);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads until {@code n} entries came (a blocking read may return fewer). */
    static List<TaskEntry> readAll(NodeQueue q, int n) {
        List<TaskEntry> got = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            got.addAll(q.read(n - got.size(), BLOCK));
            return got.size() >= n;
        });
        return got;
    }

    /** Waits until every pending entry has been idle for a whole lease. */
    void awaitIdle(int n) {
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.xpending(layout.tasks(),
                new XPendingArgs<String>().group(StreamLayout.GROUP).range(Range.unbounded())
                        .limit(Limit.from(1000)).idle(LEASE)).size() >= n);
    }

    long pending() {
        return redis.xpending(layout.tasks(), StreamLayout.GROUP).getCount();
    }

    @Test
    void aCompletedTaskRepliesOnceAndLeavesNothingBehind() throws Exception {
        Submitter s = submitter();
        NodeQueue node = node();
        CompletableFuture<Reply> f = s.add(bytes("task"), 3);
        TaskEntry e = readAll(node, 1).get(0);
        assertThat(e.deliveries()).isEqualTo(1);
        assertThat(new String(e.body(), StandardCharsets.UTF_8)).isEqualTo("task");
        assertThat(node.complete(e, Reply.ok(e.taskId(), 1, bytes("result")))).isEqualTo(NodeQueue.Completion.ACCEPTED);
        Reply r = f.get(20, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("result");
        assertThat(redis.xlen(layout.tasks())).isZero();
        assertThat(pending()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(s.replyStream()) == 0);
        // a second completion of the same entry is refused: it is no longer pending
        assertThat(node.complete(e, Reply.ok(e.taskId(), 1, bytes("again")))).isEqualTo(NodeQueue.Completion.REFUSED);
        assertThat(s.outstanding()).isZero();
    }

    @Test
    void twoReclaimersRacingForADeadNodesEntriesEachGetDisjointOnes() throws Exception {
        Submitter s = submitter();
        int n = 20;
        for (int i = 0; i < n; i++) {
            s.add(bytes("t" + i), 5);
        }
        NodeQueue dead = node();
        readAll(dead, n);  // then never renews: its node "died"
        awaitIdle(n);
        NodeQueue b = node();
        NodeQueue c = node();
        List<String> byB = new CopyOnWriteArrayList<>();
        List<String> byC = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        Thread tb = reclaimer(b, byB, go);
        Thread tc = reclaimer(c, byC, go);
        go.countDown();
        tb.join();
        tc.join();
        Set<String> union = new HashSet<>(byB);
        union.addAll(byC);
        assertThat(byB.size() + byC.size()).as("no entry claimed twice").isEqualTo(n);
        assertThat(union).hasSize(n);
        assertThat(counters.reclaimed()).isEqualTo(n);
        // every claim counted one delivery, and each entry's holder is the reclaimer that returned it
        for (var p : redis.xpending(layout.tasks(), new XPendingArgs<String>().group(StreamLayout.GROUP)
                .range(Range.unbounded()).limit(Limit.from(1000)))) {
            assertThat(p.getRedeliveryCount()).isEqualTo(2);
            assertThat(p.getConsumer()).isEqualTo(byB.contains(p.getId()) ? b.consumer() : c.consumer());
        }
    }

    private Thread reclaimer(NodeQueue q, List<String> into, CountDownLatch go) {
        Thread t = new Thread(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            // one at a time, so that both reclaimers go for the same oldest idle entry
            while (idleCount() > 0) {
                q.reclaim(1).forEach(e -> into.add(e.entryId()));
            }
        });
        t.start();
        return t;
    }

    private int idleCount() {
        return redis.xpending(layout.tasks(), new XPendingArgs<String>().group(StreamLayout.GROUP)
                .range(Range.unbounded()).limit(Limit.from(1000)).idle(LEASE)).size();
    }

    @Test
    void aStaleNodesLateResultIsRefusedAndTheReclaimersIsAccepted() throws Exception {
        Submitter s = submitter();
        CompletableFuture<Reply> f = s.add(bytes("slow"), 3);
        NodeQueue stale = node();
        TaskEntry mine = readAll(stale, 1).get(0);
        awaitIdle(1);
        NodeQueue other = node();
        TaskEntry theirs = other.reclaim(10).get(0);
        assertThat(theirs.entryId()).isEqualTo(mine.entryId());
        assertThat(theirs.deliveries()).isEqualTo(2);
        // the stale node wakes up: its renewal says it holds nothing, its result is refused and counted
        assertThat(stale.renew(List.of(mine.entryId()))).isEmpty();
        assertThat(stale.complete(mine, Reply.ok(mine.taskId(), 1, bytes("stale")))).isEqualTo(NodeQueue.Completion.REFUSED);
        assertThat(counters.staleCompletions()).isEqualTo(1);
        assertThat(other.complete(theirs, Reply.ok(theirs.taskId(), 2, bytes("fresh"))))
                .isEqualTo(NodeQueue.Completion.ACCEPTED);
        Reply r = f.get(20, TimeUnit.SECONDS);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("fresh");
        assertThat(r.attempt()).isEqualTo(2);
    }

    @Test
    void renewalKeepsALongTaskFromALiveNodeWithoutCountingDeliveries() throws Exception {
        Submitter s = submitter();
        s.add(bytes("long"), 3);
        NodeQueue live = node();
        TaskEntry e = readAll(live, 1).get(0);
        List<String> lost = new CopyOnWriteArrayList<>();
        try (LeaseKeeper keeper = new LeaseKeeper(live, counters, (ids, why) -> lost.addAll(ids))) {
            keeper.hold(e.entryId());
            long renewed = keeper.renewals();
            // six renewals at a third of the lease each span two leases
            await().atMost(Duration.ofSeconds(20)).until(() -> keeper.renewals() >= renewed + 6);
            NodeQueue other = node();
            assertThat(other.reclaim(10)).isEmpty();
            assertThat(lost).isEmpty();
        }
        var p = redis.xpending(layout.tasks(), new XPendingArgs<String>().group(StreamLayout.GROUP)
                .range(Range.unbounded()).limit(Limit.from(10)));
        assertThat(p).hasSize(1);
        assertThat(p.get(0).getConsumer()).isEqualTo(live.consumer());
        assertThat(p.get(0).getRedeliveryCount()).as("renewals count no delivery").isEqualTo(1);
    }

    @Test
    void pastMaxAttemptsTheEntryIsDeadLetteredAndTheFutureFails() throws Exception {
        Submitter s = submitter();
        CompletableFuture<Reply> f = s.add(bytes("poison"), 2);
        NodeQueue first = node();
        readAll(first, 1);
        awaitIdle(1);
        NodeQueue second = node();
        assertThat(second.reclaim(10)).hasSize(1);  // delivery 2 of 2
        awaitIdle(1);
        NodeQueue third = node();
        assertThat(third.reclaim(10)).as("delivery 3 of 2 is dead-lettered, not run").isEmpty();
        Reply r = f.get(20, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(Reply.Outcome.DEAD);
        assertThat(r.attempt()).isEqualTo(3);
        assertThat(r.errorMessage()).contains("delivered 3 times", second.consumer());
        assertThat(redis.xlen(layout.tasks())).isZero();
        assertThat(pending()).isZero();
        var dead = redis.xrange(layout.dead(), Range.unbounded());
        assertThat(dead).hasSize(1);
        Map<String, byte[]> d = dead.get(0).getBody();
        assertThat(new String(d.get("body"), StandardCharsets.UTF_8)).isEqualTo("poison");
        assertThat(new String(d.get("deliveries"), StandardCharsets.UTF_8)).isEqualTo("3");
        assertThat(new String(d.get("error"), StandardCharsets.UTF_8)).contains("stopped renewing");
        assertThat(counters.deadLettered()).isEqualTo(1);
    }

    @Test
    void aWorkerDeathCountsOneDeliveryOnTheSameNode() throws Exception {
        submitter().add(bytes("crashy"), 3);
        NodeQueue node = node();
        TaskEntry e = readAll(node, 1).get(0);
        TaskEntry again = node.redeliver(e);
        assertThat(again.deliveries()).isEqualTo(2);
        NodeQueue other = node();
        assertThat(other.redeliver(e)).as("only the holder may count a delivery").isNull();
    }

    @Test
    void aMalformedEntryIsDeadLetteredAtOnce() {
        NodeQueue node = node();
        redis.xadd(layout.tasks(), Map.of("id", bytes("x:1"), "reply", bytes("somewhere:else"), "max", bytes("3"),
                "body", bytes("b")));
        redis.xadd(layout.tasks(), Map.of("junk", bytes("1")));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            node.read(10, BLOCK);
            return redis.xlen(layout.dead()) == 2;
        });
        assertThat(redis.xlen(layout.tasks())).isZero();
        assertThat(pending()).isZero();
        assertThat(redis.exists("somewhere:else")).as("no reply to a key outside the pool").isZero();
    }

    @Test
    void aConsumerWithPendingEntriesIsNeverDeleted() throws Exception {
        submitter().add(bytes("held"), 3);
        NodeQueue node = node();
        TaskEntry e = readAll(node, 1).get(0);
        assertThat(node.forget()).isFalse();
        assertThat(pending()).isEqualTo(1);
        node.complete(e, Reply.ok(e.taskId(), 1, bytes("r")));
        assertThat(node.forget()).isTrue();
    }
}
