package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.runtime.wire.Serialization;
import org.junit.jupiter.api.Test;

/**
 * Entries any client of a shared Redis can write into a pool's streams, against a real redis-server: a bad one is
 * dead-lettered or ignored, never stops a node or a submitter, never holds back the entries read or completed with
 * it, and never leaves a future pending.
 */
class HostileEntriesTest extends RedisLayerFixture {

    static final Duration LEASE = Duration.ofSeconds(30);

    HostileEntriesTest() {
        super("hostile", LEASE, Duration.ofSeconds(1), true);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A key of the pool's reply namespace that some client made a string (or any type but a stream). */
    String stringReplyKey() {
        String key = layout.replies("not-a-stream");
        redis.set(key, bytes("x"));
        return key;
    }

    @Test
    void aReplyIdPastTwoToTheSixtyThirdDoesNotStopTheSubmittersReader() throws Exception {
        Submitter s = submitter();
        NodeQueue node = node();
        CompletableFuture<Reply> f = s.add(bytes("task"), 3);
        TaskEntry e = NodeQueueTest.readAll(node, 1).get(0);
        // a valid stream id (Redis ids are unsigned 64-bit): every id the server makes after it is as large
        redis.xadd(s.replyStream(), new XAddArgs().id("9223372036854775808-0"),
                Map.of("id", bytes("nobody:1"), "outcome", bytes("ok")));
        assertThat(node.complete(e, Reply.ok(e.taskId(), 1, bytes("result")))).isEqualTo(NodeQueue.Completion.ACCEPTED);
        Reply r = f.get(20, TimeUnit.SECONDS);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("result");
        assertThat(s.counters().strayReplies()).as("the forged reply, once").isEqualTo(1);
        assertThat(s.outstanding()).isZero();
    }

    @Test
    void aTaskWhoseReplyKeyIsNotAStreamIsDeadLetteredAndItsBatchmatesComplete() throws Exception {
        Submitter s = submitter();
        NodeQueue node = node();
        List<CompletableFuture<Reply>> good = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            good.add(s.add(bytes("t" + i), 3));
        }
        String bad = stringReplyKey();
        redis.xadd(layout.tasks(), TaskEntry.fields("evil:1", bad, 3, 0, bytes("bb")));
        good.add(s.add(bytes("t3"), 3));
        List<TaskEntry> held = NodeQueueTest.readAll(node, 5);
        // the first goes alone; the rest queue behind it and go together, the bad one among them
        List<CompletableFuture<NodeQueue.Completion>> done = new ArrayList<>();
        for (TaskEntry e : held) {
            done.add(node.completeAsync(e, Reply.ok(e.taskId(), 1, e.body())));
        }
        List<NodeQueue.Completion> outcomes = new ArrayList<>();
        for (CompletableFuture<NodeQueue.Completion> c : done) {
            outcomes.add(c.get(20, TimeUnit.SECONDS));
        }
        assertThat(outcomes).containsOnly(NodeQueue.Completion.ACCEPTED, NodeQueue.Completion.UNDELIVERABLE);
        assertThat(outcomes).filteredOn(c -> c == NodeQueue.Completion.UNDELIVERABLE).hasSize(1);
        for (int i = 0; i < good.size(); i++) {
            assertThat(new String(good.get(i).get(20, TimeUnit.SECONDS).body(), StandardCharsets.UTF_8))
                    .isEqualTo("t" + i);
        }
        assertThat(redis.xlen(layout.tasks())).isZero();
        assertThat(redis.xpending(layout.tasks(), StreamLayout.GROUP).getCount()).isZero();
        List<StreamMessage<String, byte[]>> dead = redis.xrange(layout.dead(), io.lettuce.core.Range.create("-", "+"));
        assertThat(dead).hasSize(1);
        assertThat(new String(dead.get(0).getBody().get("error"), StandardCharsets.UTF_8)).contains(bad, "string");
        assertThat(new String(dead.get(0).getBody().get("body"), StandardCharsets.UTF_8)).isEqualTo("bb");
        assertThat(counters.deadLettered()).isEqualTo(1);
        assertThat(redis.type(bad)).isEqualTo("string");
    }

    @Test
    void aMalformedEntryWhoseReplyKeyIsNotAStreamDoesNotLoseTheEntriesReadWithIt() throws Exception {
        Submitter s = submitter();
        NodeQueue node = node();
        CompletableFuture<Reply> before = s.add(bytes("before"), 3);
        String bad = stringReplyKey();
        redis.xadd(layout.tasks(), Map.of("id", bytes("evil:1"), "reply", bytes(bad), "max", bytes("-5"),
                "body", bytes("b")));
        CompletableFuture<Reply> after = s.add(bytes("after"), 3);
        List<TaskEntry> held = NodeQueueTest.readAll(node, 2);
        assertThat(held).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("before",
                "after");
        for (TaskEntry e : held) {
            assertThat(node.complete(e, Reply.ok(e.taskId(), 1, e.body()))).isEqualTo(NodeQueue.Completion.ACCEPTED);
        }
        assertThat(before.get(20, TimeUnit.SECONDS).outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(after.get(20, TimeUnit.SECONDS).outcome()).isEqualTo(Reply.Outcome.OK);
        assertThat(redis.xlen(layout.dead())).isEqualTo(1);
        assertThat(redis.xlen(layout.tasks())).isZero();
        assertThat(redis.xpending(layout.tasks(), StreamLayout.GROUP).getCount()).isZero();
    }

    @Test
    void taskEntryIdsPastTwoToTheFiftyThirdStillCompleteInBatches() throws Exception {
        Submitter s = submitter();
        NodeQueue node = node();
        // any client may XADD an explicit id this large; every id the server makes after it is as large, and a
        // Lua number (a double) cannot tell them apart
        redis.xadd(layout.tasks(), new XAddArgs().id("9223372036854775809-0"),
                TaskEntry.fields("forged:1", s.replyStream(), 1, 0, bytes("forged")));
        List<CompletableFuture<Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            replies.add(s.add(bytes("t" + i), 3));
        }
        List<TaskEntry> held = NodeQueueTest.readAll(node, 9);
        List<CompletableFuture<NodeQueue.Completion>> done = new ArrayList<>();
        for (TaskEntry e : held) {
            done.add(node.completeAsync(e, Reply.ok(e.taskId(), 1, e.body())));
        }
        for (CompletableFuture<NodeQueue.Completion> c : done) {
            assertThat(c.get(20, TimeUnit.SECONDS)).isEqualTo(NodeQueue.Completion.ACCEPTED);
        }
        for (int i = 0; i < replies.size(); i++) {
            assertThat(new String(replies.get(i).get(20, TimeUnit.SECONDS).body(), StandardCharsets.UTF_8))
                    .isEqualTo("t" + i);
        }
        assertThat(redis.xlen(layout.tasks())).isZero();
        assertThat(counters.staleCompletions()).isZero();
    }

    /** A result whose decoding throws an Error (as a class's static initializer may). */
    public static final class ErrorOnRead implements KryoSerializable {
        @Override
        public void write(Kryo kryo, Output output) {
            output.writeInt(1);
        }

        @Override
        public void read(Kryo kryo, Input input) {
            throw new ExceptionInInitializerError("decoding this throws an Error");
        }
    }

    @Test
    void aResultWhoseDecodingThrowsAnErrorFailsItsFutureAndTheSubmitterGoesOn() throws Exception {
        try (RedisSubmitter submitter = new RedisSubmitter(client, layout.pool(), 100, false, 3, List.of())) {
            NodeQueue node = node();
            TaskFuture<String> first = submitter.submit(() -> "first");
            TaskFuture<String> second = submitter.submit(() -> "second");
            List<TaskEntry> held = NodeQueueTest.readAll(node, 2);
            byte[] poison = new Serialization(List.of(), getClass().getClassLoader()).serialize(new ErrorOnRead());
            node.complete(held.get(0), Reply.ok(held.get(0).taskId(), 1, poison));
            byte[] fine = new Serialization(List.of(), getClass().getClassLoader()).serialize("fine");
            node.complete(held.get(1), Reply.ok(held.get(1).taskId(), 1, fine));
            assertThatThrownBy(() -> first.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TaskFailedException.class).hasMessageContaining("cannot be deserialized");
            assertThat(second.get(20, TimeUnit.SECONDS)).isEqualTo("fine");
            await().atMost(Duration.ofSeconds(20)).until(() -> submitter.outstanding() == 0);
        }
    }
}
