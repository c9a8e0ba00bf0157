package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/**
 * The codec of every pool-redis connection: Lettuce writes its arguments straight into the command's buffer (a
 * {@link ToByteBufEncoder} with exact sizes), and the bytes are the same as with String keys in UTF-8 and raw values.
 */
class BytesCodecTest {

    @Test
    void theConnectionsEncodeInPlaceWithExactSizes() {
        assertThat(Scripts.CODEC).isInstanceOf(ToByteBufEncoder.class);
        @SuppressWarnings("unchecked")
        ToByteBufEncoder<String, byte[]> enc = (ToByteBufEncoder<String, byte[]>) Scripts.CODEC;
        assertThat(enc.isEstimateExact()).as("else Lettuce encodes each argument into a buffer of its own").isTrue();
        for (String key : new String[] {"", "pool:tasks", "pöol:tâsks:€:𝄞"}) {
            ByteBuf b = Unpooled.buffer();
            enc.encodeKey(key, b);
            byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
            assertThat(enc.estimateSize(key)).isEqualTo(utf8.length).isEqualTo(b.readableBytes());
            assertThat(bytes(b)).isEqualTo(utf8);
            assertThat(Scripts.CODEC.decodeKey(ByteBuffer.wrap(utf8))).isEqualTo(key);
        }
        byte[] value = {0, 1, (byte) 0xff, 10, 13};
        ByteBuf b = Unpooled.buffer();
        enc.encodeValue(value, b);
        assertThat(enc.estimateSize(value)).isEqualTo(5).isEqualTo(b.readableBytes());
        assertThat(bytes(b)).isEqualTo(value);
        assertThat(Scripts.CODEC.decodeValue(ByteBuffer.wrap(value))).isEqualTo(value).isNotSameAs(value);
        assertThat(Scripts.CODEC.decodeValue(ByteBuffer.allocate(0))).isEmpty();
    }

    @Test
    void keysAndValuesRoundTripThroughRedis() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClients.create(server.uri(), Duration.ofSeconds(2));
            try (StatefulRedisConnection<String, byte[]> c = client.connect(Scripts.CODEC)) {
                RedisCommands<String, byte[]> redis = c.sync();
                byte[] big = new byte[70_000];
                for (int i = 0; i < big.length; i++) {
                    big[i] = (byte) (i * 31);
                }
                String stream = "pöol:€:tasks";
                String id = redis.xadd(stream, Map.of("body", big, "ünïcode", new byte[0]));
                var got = redis.xrange(stream, io.lettuce.core.Range.create(id, id));
                assertThat(got).hasSize(1);
                assertThat(got.get(0).getBody().get("body")).isEqualTo(big);
                assertThat(got.get(0).getBody().get("ünïcode")).isEmpty();
                assertThat(redis.exists(stream)).isEqualTo(1L);
            } finally {
                client.shutdown();
            }
        }
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        b.release();
        return out;
    }
}
