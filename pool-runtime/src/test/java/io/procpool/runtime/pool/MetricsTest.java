package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.procpool.TaskOptions;
import io.procpool.TaskRejectedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The meters of a real pool after a known sequence of events match it exactly. */
@ExtendWith(NoChildLeft.class)
class MetricsTest {

    private static double count(MeterRegistry r, String name, String... tags) {
        var search = r.find(name).tags("pool", "metered").tags(tags);
        if (search.counter() != null) {
            return search.counter().count();
        }
        if (search.functionCounter() != null) {
            return search.functionCounter().count();
        }
        if (search.timer() != null) {
            return search.timer().count();
        }
        return search.gauge().value();
    }

    /** Every series, gauges and the reaped count included, is there while build() still waits for the workers. */
    @Test
    void everySeriesExistsWhileThePoolIsStillStarting(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        Path slowJava = dir.resolve("java.sh");
        Files.writeString(slowJava, "#!/bin/sh\nwhile [ ! -e '" + go + "' ]; do sleep 0.02; done\nexec '"
                + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        Files.setPosixFilePermissions(slowJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CompletableFuture<TaskPool> built = CompletableFuture.supplyAsync(() -> TaskPool.builder().name("metered")
                .workers(1).javaCommand(slowJava.toString()).meterRegistry(registry).build());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> registry.find("procpool.workers")
                .tags("pool", "metered", "state", "starting").gauge() != null
                && count(registry, "procpool.workers", "state", "starting") == 1);
        assertThat(built).isNotDone();
        assertThat(count(registry, "procpool.workers", "state", "busy")).isZero();
        assertThat(count(registry, "procpool.zombies.reaped")).isZero();
        assertThat(count(registry, "procpool.tasks.queued")).isZero();
        Files.writeString(go, "");
        try (TaskPool pool = built.get(60, TimeUnit.SECONDS)) {
            assertThat(count(registry, "procpool.workers", "state", "idle")).isEqualTo(1);
            assertThat(pool.submit(() -> 5).get(60, TimeUnit.SECONDS)).isEqualTo(5);
        }
    }

    @Test
    void countsMatchAKnownSequenceAndTheMetersGoWithThePool() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TaskPool pool = TaskPool.builder().name("metered").workers(2).maxAttempts(1)
                .cancelGrace(Duration.ofMillis(100)).meterRegistry(registry).build()) {
            // every series exists at zero from the start
            assertThat(count(registry, "procpool.workers.restarts", "reason", "protocol_error")).isZero();
            assertThat(count(registry, "procpool.tasks.execution", "outcome", "cancelled")).isZero();
            assertThat(count(registry, "procpool.tasks.rejected", "reason", "queue_full")).isZero();
            assertThat(count(registry, "procpool.workers.startup")).isEqualTo(2);
            assertThat(count(registry, "procpool.workers", "state", "idle")).isEqualTo(2);
            assertThat(count(registry, "procpool.pool.failed")).isZero();

            for (int i = 0; i < 20; i++) {
                assertThat(pool.submit(() -> 1).get(60, TimeUnit.SECONDS)).isEqualTo(1);
            }
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> pool.submit(() -> {
                    throw new IllegalStateException("no");
                }).get(60, TimeUnit.SECONDS));
            }
            for (int i = 0; i < 2; i++) {   // 2 crashes: 2 restarts, 2 reaped
                assertThatThrownBy(() -> pool.submit(new LifecycleTest.Exit(3)).get(60, TimeUnit.SECONDS));
            }
            // 2 more crashes of one task: 1 retry
            assertThatThrownBy(() -> pool.submit(new LifecycleTest.Exit(4), TaskOptions.DEFAULTS.withMaxAttempts(2))
                    .get(60, TimeUnit.SECONDS));
            assertThatThrownBy(() -> pool.submit(new LifecycleTest.Stubborn(),
                    TaskOptions.timeout(Duration.ofMillis(200))).get(60, TimeUnit.SECONDS));  // 1 timeout restart
            Thread unserializable = new Thread(() -> { });
            assertThatThrownBy(() -> pool.submit(() -> unserializable.getName()))
                    .isInstanceOf(IllegalArgumentException.class);

            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().idle() == 2);
            assertThat(count(registry, "procpool.tasks.submitted")).isEqualTo(27);
            assertThat(count(registry, "procpool.tasks.execution", "outcome", "success")).isEqualTo(20);
            assertThat(count(registry, "procpool.tasks.execution", "outcome", "failure")).isEqualTo(3);
            assertThat(count(registry, "procpool.tasks.execution", "outcome", "crash")).isEqualTo(3);
            assertThat(count(registry, "procpool.tasks.execution", "outcome", "timeout")).isEqualTo(1);
            assertThat(count(registry, "procpool.tasks.retried")).isEqualTo(1);
            assertThat(count(registry, "procpool.tasks.wait")).isEqualTo(27);  // one per task that reached a worker
            assertThat(count(registry, "procpool.workers.restarts", "reason", "crash")).isEqualTo(4);
            assertThat(count(registry, "procpool.workers.restarts", "reason", "timeout")).isEqualTo(1);
            assertThat(count(registry, "procpool.workers.restarts", "reason", "max_tasks")).isZero();
            assertThat(count(registry, "procpool.zombies.reaped")).isEqualTo(5);
            assertThat(count(registry, "procpool.workers.started")).isEqualTo(7);
            assertThat(count(registry, "procpool.workers.startup")).isEqualTo(7);
            assertThat(count(registry, "procpool.tasks.rejected", "reason", "invalid")).isEqualTo(1);
            assertThat(count(registry, "procpool.tasks.queued")).isZero();
            assertThat(count(registry, "procpool.tasks.running")).isZero();

            pool.shutdown();
            assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(TaskRejectedException.class);
            assertThat(count(registry, "procpool.tasks.rejected", "reason", "shutdown")).isEqualTo(1);
        }
        assertThat(registry.getMeters()).as("meters left after close").isEmpty();
    }
}
