package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.ProtocolException;
import io.procpool.Task;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.Hostile;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Workers that misbehave as real ones do: every task still gets its one defined fate, and the pool serves on. */
@ExtendWith(NoChildLeft.class)
class FaultTest {

    /** A pool of one hostile_worker.py that takes the steps, one per task (also RingAttackTest's). */
    static TaskPool.Builder hostile(Path dir, String... steps) throws Exception {
        return TaskPool.builder().name("hostile").workers(1).maxAttempts(1)
                .restartBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .javaCommand(Hostile.command(dir).toString())
                .env("HOSTILE_SCRIPT", Hostile.script(dir, steps).toString())
                .env("HOSTILE_OK", Hostile.result(42));
    }

    /** What {@code f} failed with, within a minute. */
    static Throwable failure(TaskFuture<?> f) throws Exception {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the task succeeded");
    }

    @Test
    void aWorkerThatClosesItsChannelAndLivesOnIsKilledAndItsTaskFails(@TempDir Path dir) throws Exception {
        try (TaskPool pool = hostile(dir, "close").build()) {
            assertThat(failure(pool.submit(() -> 1))).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("closed its channel but did not exit");
            assertThat(pool.submit(() -> 1).get(60, TimeUnit.SECONDS)).isEqualTo(42);  // its replacement serves
        }
    }

    @Test
    void anErrorWhoseLengthsLieFailsItsTaskAndKillsItsWorker(@TempDir Path dir) throws Exception {
        try (TaskPool pool = hostile(dir, "error 7fffffff616263", "error fffffffb616263",
                "error 00000001410000000142000000014300").build()) {
            assertThat(failure(pool.submit(() -> 1))).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("claims 2147483647 bytes");
            assertThat(failure(pool.submit(() -> 1))).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("claims 4294967291 bytes");
            assertThat(failure(pool.submit(() -> 1))).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("bytes after the third string");
            assertThat(pool.submit(() -> 1).get(60, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }

    /** Forged counts and a 200,000-deep graph fail their task alone; the manager's JVM stays sound. */
    @Test
    void aResultThatCannotBeDecodedFailsItsTaskAloneAndTheManagerStaysWell(@TempDir Path dir) throws Exception {
        try (TaskPool pool = hostile(dir, "reply " + Hostile.hugeArray(), "reply " + Hostile.deepChain(200_000))
                .build()) {
            assertThat(failure(pool.submit(() -> 1))).isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("cannot be deserialized").hasMessageContaining("claims 2147483646 elements");
            assertThat(failure(pool.submit(() -> 1))).isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("cannot be deserialized").hasMessageContaining("Max depth exceeded");
            assertThat(pool.submit(() -> 1).get(60, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(pool.stats().restarts()).isZero();  // answers it could not decode are not the worker's death
        }
    }

    record Throws(int megabytes) implements Task<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("x".repeat(megabytes << 20));
        }
    }

    /** At -Xmx64m an 8 MiB exception message used to exhaust the worker while it encoded the ERROR. */
    @Test
    void aWorkerShortOfMemoryStillAnswersEveryTask() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("small").workers(1).maxAttempts(1)
                .jvmOptions(List.of("-XX:+UseSerialGC", "-Xmx64m")).build()) {
            assertThat(failure(pool.submit(new Throws(8)))).isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("IllegalStateException").hasMessageContaining("(8388608 characters, cut)");
            assertThat(pool.submit(() -> 7).get(60, TimeUnit.SECONDS)).isEqualTo(7);
            // a task that runs out of memory itself fails alone; the worker, its garbage gone, serves on
            assertThat(failure(pool.submit(() -> new byte[256 << 20].length))).isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("java.lang.OutOfMemoryError");
            assertThat(pool.submit(() -> 8).get(60, TimeUnit.SECONDS)).isEqualTo(8);
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    /** Halts its worker if its index is the last of every {@code every}; else answers with 64 KiB (slow to write). */
    record HaltEvery(int i, int every) implements Task<byte[]> {
        @Override
        public byte[] call() {
            if (i % every == every - 1) {
                Runtime.getRuntime().halt(3);
            }
            byte[] answer = new byte[64 << 10];
            java.nio.ByteBuffer.wrap(answer).putInt(i);
            return answer;
        }
    }

    /**
     * With prefetch the worker holds many tasks, and answers of finished ones may still be on their way when it dies:
     * only the task it was running may be blamed, and the held ones go back without using an attempt.
     */
    @Test
    void withPrefetchExactlyTheCrashingTasksFail() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("blame").workers(2).prefetch(16).maxAttempts(1).build()) {
            List<TaskFuture<byte[]>> futures = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                futures.add(pool.submit(new HaltEvery(i, 100)));
            }
            List<Integer> failed = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                try {
                    assertThat(java.nio.ByteBuffer.wrap(futures.get(i).get(120, TimeUnit.SECONDS)).getInt()).isEqualTo(i);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(WorkerCrashedException.class)
                            .hasMessageContaining("on attempt 1 of 1");
                    failed.add(i);
                }
            }
            assertThat(failed).containsExactly(99, 199, 299, 399, 499, 599, 699, 799, 899, 999);
            assertThat(pool.stats().restarts()).isEqualTo(10);
        }
    }

    record Sleep(long millis, int value) implements Task<Integer> {
        @Override
        public Integer call() throws Exception {
            Thread.sleep(millis);
            return value;
        }
    }

    /** Its timeout counts again from its STARTED: waiting behind another task in the worker does not eat it. */
    @Test
    void aPrefetchedTaskGetsItsWholeTimeoutOnceItStarts() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("late").workers(1).prefetch(1).build()) {
            TaskFuture<Integer> first = pool.submit(new Sleep(2000, 1));
            TaskFuture<Integer> second = pool.submit(new Sleep(2000, 2),
                    io.procpool.TaskOptions.timeout(Duration.ofSeconds(3)));
            assertThat(first.get(60, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(second.get(60, TimeUnit.SECONDS)).isEqualTo(2);  // sent at 0, started near 2 s, done near 4 s
        }
    }

    @Test
    void shutdownNowWithPrefetchReturnsExactlyWhatNeverStarted(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (TaskPool pool = TaskPool.builder().name("stop").workers(1).prefetch(4).build()) {
            TaskFuture<Integer> running = pool.submit(new LifecycleTest.WaitFor(go.toString(), 1));
            List<TaskFuture<Integer>> rest = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                rest.add(pool.submit(() -> 2));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> Files.exists(Path.of(go + ".started")));
            List<Task<?>> neverStarted = pool.shutdownNow();
            assertThat(neverStarted).hasSize(9);
            assertThatThrownBy(() -> running.get(60, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class)
                    .hasMessageContaining("stopped task " + running.id());
            for (TaskFuture<Integer> f : rest) {
                assertThat(f.isCancelled()).isTrue();
            }
            assertThat(pool.awaitTermination(Duration.ofSeconds(60))).isTrue();
        }
    }
}
