package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.procpool.PoolFailedException;
import io.procpool.QueueFullPolicy;
import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.TaskRejectedException;
import io.procpool.TaskTimeoutException;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Queue limits, cancel, timeouts, shutdown, shutdownNow, crashes and start failures, with real worker JVMs. */
@ExtendWith(NoChildLeft.class)
class LifecycleTest {

    /** Waits until the file exists: lets a test hold a task "running" until it says go, without sleeping. */
    record WaitFor(String path, int result) implements Task<Integer> {
        @Override
        public Integer call() throws Exception {
            Files.writeString(Path.of(path + ".started"), "");
            while (!Files.exists(Path.of(path))) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("cancelled while waiting for " + path);
                }
                Thread.onSpinWait();
                Thread.yield();
            }
            return result;
        }
    }

    /** Ignores interrupts: only a kill stops it. */
    record Stubborn() implements Task<Integer> {
        @Override
        public Integer call() {
            while (true) {
                Thread.interrupted();
                Thread.onSpinWait();
            }
        }
    }

    record Exit(int code) implements Task<Integer> {
        @Override
        public Integer call() {
            System.err.println("about to exit " + code);
            Runtime.getRuntime().halt(code);
            return 0;
        }
    }

    static TaskPool.Builder pool() {
        return TaskPool.builder().name("life").workers(1);
    }

    private static void awaitFile(Path p) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(p));
    }

    @Test
    void fullQueueRejectsWhenAskedTo(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (TaskPool pool = pool().queueCapacity(2).queueFullPolicy(QueueFullPolicy.REJECT).build()) {
            TaskFuture<Integer> running = pool.submit(new WaitFor(go.toString(), 1));
            awaitFile(Path.of(go + ".started"));
            TaskFuture<Integer> q1 = pool.submit(new WaitFor(go.toString(), 2));
            TaskFuture<Integer> q2 = pool.submit(new WaitFor(go.toString(), 3));
            assertThatThrownBy(() -> pool.submit(new WaitFor(go.toString(), 4)))
                    .isInstanceOf(TaskRejectedException.class)
                    .hasMessageContaining("life - task queue full (workers=1, busy=1, queued=2/2 (")
                    .hasMessageContaining("raise queueCapacity or maxQueuedBytes");
            Files.writeString(go, "");
            assertThat(List.of(running.get(60, TimeUnit.SECONDS), q1.get(60, TimeUnit.SECONDS),
                    q2.get(60, TimeUnit.SECONDS))).containsExactly(1, 2, 3);
        }
    }

    @Test
    void fullQueueMakesSubmitWaitByDefault(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (TaskPool pool = pool().queueCapacity(1).build()) {
            pool.submit(new WaitFor(go.toString(), 1));
            awaitFile(Path.of(go + ".started"));
            pool.submit(new WaitFor(go.toString(), 2));
            CountDownLatch submitted = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                pool.submit(new WaitFor(go.toString(), 3));
                submitted.countDown();
            });
            t.start();
            org.awaitility.Awaitility.await().until(() -> t.getState() == Thread.State.WAITING);
            assertThat(submitted.getCount()).isEqualTo(1);
            Files.writeString(go, "");
            assertThat(submitted.await(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void cancellingAQueuedTaskRemovesItAndARunningOneInterruptsIt(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (TaskPool pool = pool().build()) {
            TaskFuture<Integer> running = pool.submit(new WaitFor(go.toString(), 1));
            awaitFile(Path.of(go + ".started"));
            TaskFuture<Integer> queued = pool.submit(new WaitFor(dir.resolve("never").toString(), 2));
            assertThat(queued.cancel(true)).isTrue();
            assertThat(running.cancel(true)).isTrue();
            assertThatThrownBy(() -> running.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            // the worker was interrupted, not killed: it serves the next task
            assertThat(pool.submit(() -> 5).get(60, TimeUnit.SECONDS)).isEqualTo(5);
            assertThat(pool.stats().restarts()).isZero();
            assertThat(Files.exists(Path.of(dir.resolve("never") + ".started"))).isFalse();
        }
    }

    @Test
    void aTimeoutKillsAndReplacesAStubbornWorkerWhileOthersComplete() throws Exception {
        try (TaskPool pool = pool().workers(2).cancelGrace(Duration.ofMillis(200)).build()) {
            TaskFuture<Integer> stuck = pool.submit(new Stubborn(), TaskOptions.timeout(Duration.ofMillis(300)));
            List<TaskFuture<Integer>> others = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int v = i;
                others.add(pool.submit(() -> v));
            }
            assertThatThrownBy(() -> stuck.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(TaskTimeoutException.class).hasMessageContaining("timed out after 300 ms");
            for (int i = 0; i < 50; i++) {
                assertThat(others.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i);
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.stats().restarts() == 1 && pool.stats().idle() == 2);
            assertThat(pool.reapedWorkers()).isEqualTo(1);
            assertThat(pool.submit(() -> "after").get(60, TimeUnit.SECONDS)).isEqualTo("after");
        }
    }

    @Test
    void shutdownDrainsTheQueueAndShutdownNowReturnsWhatNeverStarted(@TempDir Path dir) throws Exception {
        TaskPool pool = pool().build();
        List<TaskFuture<Integer>> drained = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int v = i;
            drained.add(pool.submit(() -> v));
        }
        pool.shutdown();
        assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(TaskRejectedException.class)
                .hasMessageContaining("shutdown");
        assertThat(pool.awaitTermination(Duration.ofSeconds(60))).isTrue();
        for (int i = 0; i < 20; i++) {
            assertThat(drained.get(i).get()).isEqualTo(i);
        }
        assertThat(pool.isTerminated()).isTrue();
        pool.close();

        Path go = dir.resolve("go");
        TaskPool other = pool().build();
        TaskFuture<Integer> running = other.submit(new WaitFor(go.toString(), 1));
        awaitFile(Path.of(go + ".started"));
        List<Task<?>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(new WaitFor(go.toString(), 10 + i));
            other.submit((WaitFor) queued.get(i));
        }
        List<Task<?>> neverStarted = other.shutdownNow();
        assertThat(neverStarted).containsExactlyElementsOf(queued);
        assertThatThrownBy(() -> running.get(60, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        assertThat(other.awaitTermination(Duration.ofSeconds(60))).isTrue();
        other.close();
    }

    @Test
    void aCrashedTaskIsRetriedThenFailsWithTheExitStatus() throws Exception {
        try (TaskPool pool = pool().workers(2).maxAttempts(2).build()) {
            TaskFuture<Integer> poison = pool.submit(new Exit(3));
            assertThatThrownBy(() -> poison.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(WorkerCrashedException.class)
                    .hasMessageContaining("exited 3").hasMessageContaining("attempt 2 of 2")
                    .hasMessageContaining("about to exit 3");
            assertThat(pool.submit(() -> TaskContext.current().attempt()).get(60, TimeUnit.SECONDS)).isEqualTo(1);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().idle() == 2);
            assertThat(pool.stats().restarts()).isEqualTo(2);
        }
    }

    @Test
    void jvmOptionsJavaRefusesFailBuildWithJavasOwnWords() {
        assertThatThrownBy(() -> pool().jvmOptions(List.of("-XX:+NoSuchOptionAtAll")).build())
                .isInstanceOf(PoolFailedException.class)
                .hasMessageContaining("failed to start")
                .hasMessageContaining("NoSuchOptionAtAll");
    }

    @Test
    void aClassMissingFromTheWorkersClassPathFailsThatTaskWithHowToFixIt() throws Exception {
        String procpoolOnly = System.getProperty("java.class.path").replaceAll("[^:]*test-classes[^:]*:?", "");
        try (TaskPool pool = pool().classpath(procpoolOnly).build()) {
            TaskFuture<Integer> f = pool.submit(new WaitFor("/nonexistent", 1));
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("LifecycleTest$WaitFor")
                    .hasMessageContaining("class path");
        }
    }

    @Test
    void badSettingsFailAtBuildNamingTheFieldAndRange() {
        assertThatThrownBy(() -> TaskPool.builder().workers(0)).hasMessage("workers must be 1..1024, was 0");
        assertThatThrownBy(() -> TaskPool.builder().prefetch(-1)).hasMessage("prefetch must be 0..1024, was -1");
        assertThatThrownBy(() -> TaskPool.builder().maxQueuedBytes(1023))
                .hasMessage("maxQueuedBytes must be 1024..1099511627776, was 1023");
        assertThatThrownBy(() -> TaskPool.builder().taskTimeout(Duration.ZERO)).hasMessage("taskTimeout must be positive, was 0 ms");
        assertThatThrownBy(() -> TaskPool.builder().name("has space")).hasMessageContaining("name must be");
        assertThatThrownBy(() -> TaskOptions.timeout(Duration.ofSeconds(-1))).hasMessageContaining("timeout must be positive");
    }

}
