package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.procpool.redis.RedisClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Redis URL that cannot work (a wrong password, none where one is required, nothing listening): {@code node},
 * {@code run --redis} and {@code dlq} end at once with exit 1 and say why, not only "Unable to connect".
 */
class RedisConnectErrorsTest extends InProcessCli {

    @TempDir
    Path dir;

    @Test
    void aWrongOrMissingPasswordIsNamedByEveryRedisCommand() throws Exception {
        try (LocalRedis redis = new LocalRedis(dir)) {
            RedisClient client = RedisClients.create(redis.uri(), Duration.ofSeconds(5));
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                c.sync().configSet("requirepass", "sekrit");
            } finally {
                client.shutdown();
            }
            String wrong = redis.uri().replace("redis://", "redis://:wrong@");
            assertThat(execute("dlq", "list", "--redis", wrong, "--pool", "p")).isEqualTo(1);
            assertThat(err.toString()).contains("procpool dlq: Unable to connect").contains("WRONGPASS");
            assertThat(execute("run", "--redis", wrong, "--pool", "p", "--", "echo", "{}", ":::", "a")).isEqualTo(1);
            assertThat(err.toString()).contains("procpool run: Unable to connect");
            assertThat(err.toString().split("WRONGPASS", -1)).as(err.toString()).hasSize(3);
            assertThat(execute("node", "--redis", wrong, "--pool", "p", "--workers", "1")).isEqualTo(1);
            assertThat(err.toString()).contains("procpool node: Unable to connect");
            assertThat(err.toString().split("WRONGPASS", -1)).as(err.toString()).hasSize(4);
            assertThat(execute("dlq", "list", "--redis", redis.uri(), "--pool", "p")).isEqualTo(1);
            assertThat(err.toString()).contains("NOAUTH");
        }
    }

    @Test
    void nothingListeningIsNamedToo() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThat(execute("dlq", "list", "--redis", "redis://127.0.0.1:" + port, "--pool", "p")).isEqualTo(1);
        assertThat(err.toString()).contains("Unable to connect").contains("Connection refused");
    }
}
