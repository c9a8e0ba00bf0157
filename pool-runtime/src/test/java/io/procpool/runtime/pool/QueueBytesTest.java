package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.QueueFullPolicy;
import io.procpool.TaskFuture;
import io.procpool.TaskRejectedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.pool.LifecycleTest.WaitFor;
import io.procpool.runtime.testing.Blob;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The queue's bound in bytes of encoded tasks (maxQueuedBytes), with a real worker JVM. */
@ExtendWith(NoChildLeft.class)
class QueueBytesTest {

    @Test
    void largeTasksFillTheQueueByTheirBytesAndOneLargerThanTheBoundStillRuns(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (TaskPool pool = TaskPool.builder().name("bytes").workers(1).maxQueuedBytes(4096)
                .queueFullPolicy(QueueFullPolicy.REJECT).build()) {
            TaskFuture<Integer> running = pool.submit(new WaitFor(go.toString(), 1));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> Files.exists(Path.of(go + ".started")));
            TaskFuture<Integer> queued = pool.submit(new Blob(new byte[3000]));
            assertThatThrownBy(() -> pool.submit(new Blob(new byte[3000])))
                    .isInstanceOf(TaskRejectedException.class)
                    .hasMessageContaining("bytes - task queue full (workers=1, busy=1, queued=1/10000 (")
                    .hasMessageContaining(" of 4096 bytes)")
                    .hasMessageContaining("raise queueCapacity or maxQueuedBytes");
            TaskFuture<Integer> small = pool.submit(new WaitFor(go.toString(), 2));  // room left for a small one
            assertThat(pool.stats().queued()).isEqualTo(2);
            Files.writeString(go, "");
            assertThat(running.get(60, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(queued.get(60, TimeUnit.SECONDS)).isEqualTo(3000);
            assertThat(small.get(60, TimeUnit.SECONDS)).isEqualTo(2);
            // nothing waits: a task of 40,000 bytes, ten times the bound, is let in and runs
            assertThat(pool.submit(new Blob(new byte[40_000])).get(60, TimeUnit.SECONDS)).isEqualTo(40_000);
        }
    }

    @Test
    void aSubmitterWaitsForBytesAndEveryTaskRunsByDefault() throws Exception {
        int n = 400;
        try (TaskPool pool = TaskPool.builder().name("bytes").workers(1).maxQueuedBytes(16 * 1024).build()) {
            java.util.List<TaskFuture<Integer>> all = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(pool.submit(new Blob(new byte[1000 + i])));  // 400 KB through a queue of 16 KiB
            }
            for (int i = 0; i < n; i++) {
                assertThat(all.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(1000 + i);
            }
            assertThat(pool.stats().queued()).isZero();
        }
    }
}
