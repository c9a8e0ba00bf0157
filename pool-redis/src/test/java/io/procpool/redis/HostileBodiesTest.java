package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.wire.Serialization;
import org.junit.jupiter.api.Test;

/**
 * Task bodies any client of the stream can write, run by a node with real worker JVMs and an allowlist: each bad one
 * gets an answer (dead-lettered or failed), and the node goes on serving.
 */
class HostileBodiesTest {

    @Test
    void bodiesTooShortNotAllowedOrGarbageAreAnsweredAndTheNodeGoesOnServing() throws Exception {
        StreamLayout layout = new StreamLayout("bodies");
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (StatefulRedisConnection<String, byte[]> admin = client.connect(Scripts.CODEC);
                 Submitter raw = new Submitter(client, layout, 100, false, Duration.ofSeconds(1), new QueueCounters());
                 RedisSubmitter submitter = new RedisSubmitter(client, layout.pool(), 100, false, 1,
                         List.of(Tasks.Sleepy.class.getName(), long[].class.getName()));
                 RedisNode node = RedisNode.start(client, layout.pool(), Duration.ofSeconds(30),
                         TaskPool.builder().name("bodies").workers(1).allow(Tasks.Sleepy.class, long[].class))) {
                RedisCommands<String, byte[]> redis = admin.sync();
                // shorter than the 2 bytes a body reserves for the attempt number the frame carries
                CompletableFuture<Reply> empty = raw.add(new byte[0], 1);
                CompletableFuture<Reply> one = raw.add(new byte[] {7}, 1);
                // a class the node's allowlist does not have, and bytes that are no Kryo at all
                byte[] other = new Serialization(List.of(), getClass().getClassLoader())
                        .serialize(new Tasks.Throws("not allowed here"), 2);
                CompletableFuture<Reply> notAllowed = raw.add(other, 1);
                CompletableFuture<Reply> garbage = raw.add(new byte[] {0, 0, (byte) 0xff, 1, 2, 3, 4, 5}, 1);
                assertThat(empty.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(Reply.Outcome.DEAD);
                assertThat(one.get(30, TimeUnit.SECONDS).errorMessage()).contains("body of 1 bytes");
                assertThat(notAllowed.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(Reply.Outcome.FAILED);
                assertThat(garbage.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(Reply.Outcome.FAILED);
                // one worker with one credit: the node serves on
                long[] r = submitter.submit(new Tasks.Sleepy(5, 0)).get(30, TimeUnit.SECONDS);
                assertThat(r[0]).isEqualTo(5);
                assertThat(redis.xlen(layout.dead())).isEqualTo(2);
                assertThat(redis.xlen(layout.tasks())).isZero();
                assertThat(redis.xpending(layout.tasks(), StreamLayout.GROUP).getCount()).isZero();
                assertThat(node.held()).isZero();
            } finally {
                client.shutdown();
            }
        }
        Children.assertNoneLeft();
    }
}
