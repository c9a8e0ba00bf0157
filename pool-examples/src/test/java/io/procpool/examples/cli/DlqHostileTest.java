package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.procpool.redis.RedisClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code procpool dlq} on dead letters any client of the stream may have written: control characters never reach the
 * terminal, and an entry that is no task is left where it is by {@code requeue} without stopping the others.
 */
class DlqHostileTest extends InProcessCli {

    @TempDir
    Path dir;

    @Test
    void listEscapesControlCharactersAndRequeueSkipsWhatIsNoTask() throws Exception {
        try (LocalRedis redis = new LocalRedis(dir)) {
            RedisClient client = RedisClients.create(redis.uri(), Duration.ofSeconds(5));
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                RedisCommands<String, String> r = c.sync();
                String dead = "procpool:{hostile}:dead";
                String notATask = r.xadd(dead, Map.of("error", "no task here"));
                Map<String, String> task = new LinkedHashMap<>();
                task.put("id", "x:1\u001b]0;title\u0007");
                task.put("reply", "procpool:{hostile}:reply:x");
                task.put("max", "1");
                task.put("body", "bb");
                task.put("error", "clear\u001b[2J\u202eevil\nnext line");
                String aTask = r.xadd(dead, task);

                assertThat(execute("dlq", "list", "--redis", redis.uri(), "--pool", "hostile")).isZero();
                assertThat(out.toString()).doesNotContain("\u001b", "\u0007", "\u202e")
                        .contains("x:1\\x1b]0;title\\x07", "clear\\x1b[2J\\u202eevil next line");
                assertThat(out.toString().lines()).hasSize(2);

                assertThat(execute("dlq", "requeue", notATask, aTask, "--redis", redis.uri(), "--pool", "hostile"))
                        .as(err.toString()).isZero();
                assertThat(out.toString()).contains("requeued 1");
                assertThat(r.xlen("procpool:{hostile}:tasks")).isEqualTo(1);
                assertThat(r.xrange(dead, io.lettuce.core.Range.create("-", "+")))
                        .singleElement().satisfies(m -> assertThat(m.getId()).isEqualTo(notATask));
            } finally {
                client.shutdown();
            }
        }
    }
}
