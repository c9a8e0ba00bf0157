package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.Codec;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Timers on the I/O loop with periods far beyond any pool's life ("never"): a ScheduledThreadPoolExecutor took them
 * (its delays saturate); the loop's deadline heap must too, rather than fail build() with a long overflow.
 */
@ExtendWith(NoChildLeft.class)
class TimerBoundsTest {

    private static ExecPool.Builder<String, String> shell(String name) {
        return ExecPool.builder(Codec.utf8(), Codec.utf8()).name(name).lineMode()
                .command("sh", TestPrograms.WORKERS.resolve("shell/line_worker.sh").toString());
    }

    /** A fixed-size pool never stops idle workers: an idleTimeout of "forever" was fine before the timers moved. */
    @Test
    void anIdleTimeoutOfForeverBuildsAndServes() throws Exception {
        try (ExecPool<String, String> pool = shell("idleforever").workers(1)
                .idleTimeout(Duration.ofMillis(Long.MAX_VALUE)).build()) {
            assertThat(pool.submit("echo hi").get(60, TimeUnit.SECONDS)).isEqualTo("hi");
        }
    }

    /** An elastic pool with such an idleTimeout: its idle check runs (and stops nobody) without failing. */
    @Test
    void anElasticPoolWithAnIdleTimeoutOfForeverBuildsAndServes() throws Exception {
        try (ExecPool<String, String> pool = shell("idleforever2").minWorkers(1).maxWorkers(2)
                .idleTimeout(Duration.ofSeconds(Long.MAX_VALUE / 4)).build()) {
            assertThat(pool.submit("echo hi").get(60, TimeUnit.SECONDS)).isEqualTo("hi");
        }
    }
}
