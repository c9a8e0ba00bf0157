package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.MessageTooLargeException;
import io.procpool.PoolFailedException;
import io.procpool.Task;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Failures found in review: none may leave a future pending or a slot empty. */
@ExtendWith(NoChildLeft.class)
class FailureTest {

    record Text(String text) implements Task<Integer> {
        @Override
        public Integer call() {
            return text.length();
        }
    }

    @Test
    void whenWorkersCannotBeReplacedEveryPendingTaskFails(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("broken");
        Path go = dir.resolve("never");
        try (TaskPool pool = TaskPool.builder().name("fail").workers(2).maxAttempts(1)
                .crashLoopLimit(5, Duration.ofMinutes(1)).restartBackoff(Duration.ofMillis(10), Duration.ofMillis(100))
                .javaCommand(SupervisionTest.flakyJava(dir, marker).toString()).build()) {
            TaskFuture<Integer> waiting = pool.submit(new LifecycleTest.WaitFor(go.toString(), 1));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> Files.exists(Path.of(go + ".started")));
            Files.writeString(marker, "");
            TaskFuture<Integer> crash = pool.submit(new LifecycleTest.Exit(3));
            assertThatThrownBy(() -> crash.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(
                    io.procpool.WorkerCrashedException.class);
            // the crash and five replacements that refuse to start trip the breaker: the pool fails, and so does the
            // task still running
            assertThatThrownBy(() -> waiting.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(PoolFailedException.class).hasMessageContaining("crash loop")
                    .hasMessageContaining("refusing to start");
            assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(PoolFailedException.class);
            assertThat(pool.awaitTermination(Duration.ofSeconds(60))).isTrue();
        }
    }

    @Test
    void aReplacementThatCannotBeSpawnedIsRetriedThenFailsThePool(@TempDir Path dir) throws Exception {
        Path java = SupervisionTest.flakyJava(dir, dir.resolve("unused"));
        try (TaskPool pool = TaskPool.builder().name("gone").workers(1).maxAttempts(2).javaCommand(java.toString())
                .crashLoopLimit(3, Duration.ofMinutes(1)).restartBackoff(Duration.ofMillis(10), Duration.ofMillis(100))
                .build()) {
            Files.delete(java);  // every spawn from now on fails with ENOENT
            TaskFuture<Integer> crash = pool.submit(new LifecycleTest.Exit(3));
            assertThatThrownBy(() -> crash.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(PoolFailedException.class).hasMessageContaining("No such file or directory");
            assertThat(pool.awaitTermination(Duration.ofSeconds(60))).isTrue();
        }
    }

    @Test
    void anOversizeTaskIsRefusedAtSubmitAndAnOversizeResultFailsOnlyItsTask() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("big").workers(1).maxMessageSize(1024).build()) {
            assertThatThrownBy(() -> pool.submit(new Text("x".repeat(4000))))
                    .isInstanceOf(MessageTooLargeException.class).hasMessageContaining("maxMessageSize 1024");
            TaskFuture<String> big = pool.submit(() -> "y".repeat(4000));
            assertThatThrownBy(() -> big.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(TaskFailedException.class).hasMessageContaining("maxMessageSize of 1024");
            assertThat(pool.submit(new Text("small")).get(60, TimeUnit.SECONDS)).isEqualTo(5);
            assertThat(pool.stats().restarts()).isZero();
        }
    }
}
