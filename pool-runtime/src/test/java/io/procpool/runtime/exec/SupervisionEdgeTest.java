package io.procpool.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.procpool.Codec;
import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolListener;
import io.procpool.TaskFuture;
import io.procpool.TaskOutcome;
import io.procpool.WorkerInfo;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.testing.Children;
import io.procpool.runtime.testing.Latches;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Regression tests from the review of the dynamic-size / back-off / listener change. */
@ExtendWith(NoChildLeft.class)
class SupervisionEdgeTest {

    static ExecPool.Builder<String, String> c() {
        return ExecPool.builder(Codec.utf8(), Codec.utf8()).name("c").command(TestPrograms.cWorker().toString());
    }

    static ExecPool.Builder<String, String> shell() {
        return ExecPool.builder(Codec.utf8(), Codec.utf8()).name("sh").lineMode()
                .command("sh", TestPrograms.WORKERS.resolve("shell/line_worker.sh").toString());
    }

    /** A pool scaled down to no worker, shut down right after a submit: the task must still run. */
    @Test
    void aTaskSubmittedJustBeforeShutdownToAPoolScaledToZeroStillRuns() throws Exception {
        CountDownLatch exited = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        PoolListener gate = new PoolListener() {
            @Override
            public void workerExited(WorkerInfo worker, ExitStatus status, ExitReason reason) {
                if (reason == ExitReason.SCALE_DOWN && exited.getCount() > 0) {
                    exited.countDown();
                    Latches.await(release, 30);  // holds the I/O thread: submit and shutdown land before dispatch
                }
            }
        };
        try (ExecPool<String, String> pool = c().minWorkers(0).maxWorkers(2).idleTimeout(Duration.ofMillis(200))
                .shutdownTimeout(Duration.ofSeconds(3)).listener(gate).build()) {
            assertThat(exited.await(30, TimeUnit.SECONDS)).isTrue();
            TaskFuture<String> f = pool.submit("echo late");
            pool.shutdown();
            release.countDown();
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("late");
            assertThat(pool.awaitTermination(Duration.ofSeconds(10))).isTrue();
        }
    }

    /** Same, without any gate: submit then shutdown at once, many times; counts how often the task hangs. */
    @Test
    void submitThenShutdownOnAPoolScaledToZeroNeverHangs() throws Exception {
        int hung = 0;
        for (int round = 0; round < 10; round++) {
            ExecPool<String, String> pool = c().minWorkers(0).maxWorkers(2).idleTimeout(Duration.ofMillis(100))
                    .shutdownTimeout(Duration.ofSeconds(1)).build();
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> pool.stats().idle() + pool.stats().starting() == 0 && Children.ofThisJvm().isEmpty());
            TaskFuture<String> f = pool.submit("echo late");
            pool.shutdown();
            if (!pool.awaitTermination(Duration.ofSeconds(3))) {
                hung++;
            }
            pool.close();
            assertThat(f).isDone();
        }
        assertThat(hung).as("rounds where shutdown() never terminated").isZero();
    }

    /** Line mode: one worker that does not read its stdin must not hold up the requests of the others. */
    @Test
    void aLineModeWorkerThatIsNotReadingDoesNotHoldUpTheOthers() throws Exception {
        try (ExecPool<String, String> pool = shell().workers(2).prefetch(1).build()) {
            TaskFuture<String> sleeping = pool.submit("sleep 4000");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pool.stats().inFlight() == 1);
            TaskFuture<String> big = pool.submit("echo " + "x".repeat(300_000));  // prefetched to the sleeper
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pool.stats().inFlight() == 2);
            TaskFuture<String> small = pool.submit("echo quick");               // to the other, idle worker
            assertThat(small.get(2, TimeUnit.SECONDS)).isEqualTo("quick");
            assertThat(sleeping.get(30, TimeUnit.SECONDS)).isEqualTo("slept 4000");
            assertThat(big.get(30, TimeUnit.SECONDS)).hasSize(300_000);
        }
    }

    /** A cancel that races with the completer: the listeners must hear the outcome the future has. */
    @Test
    void whatTheListenersHearOfATaskIsWhatItsFutureSays() throws Exception {
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        List<TaskOutcome> outcomes = new CopyOnWriteArrayList<>();
        PoolListener l = new PoolListener() {
            @Override
            public void taskEnded(long id, TaskOutcome outcome, Duration queueWait, Duration execution) {
                outcomes.add(outcome);
                if (outcome == TaskOutcome.SUCCESS) {
                    inListener.countDown();
                    Latches.await(cancelled, 30);  // a slow listener widens the race window
                }
            }
        };
        try (ExecPool<String, String> pool = c().workers(1).listener(l).build()) {
            TaskFuture<String> f = pool.submit("echo x");
            assertThat(inListener.await(30, TimeUnit.SECONDS)).isTrue();
            f.cancel(false);
            cancelled.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> pool.stats().completed() + pool.stats().failed() == 1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !outcomes.isEmpty());
            TaskOutcome futureSays = f.isCancelled() ? TaskOutcome.CANCELLED : TaskOutcome.SUCCESS;
            assertThat(outcomes).containsExactly(futureSays);
            assertThat(pool.stats().completed()).isEqualTo(futureSays == TaskOutcome.SUCCESS ? 1 : 0);
        }
    }

    /** A recycling worker scaled down before its successor is ready: the successor must not be left behind. */
    @Test
    void aSuccessorWhosePredecessorWasScaledDownIsNotLeftRunning(@TempDir Path dir) throws Exception {
        Path slow = dir.resolve("slow");
        Path script = Files.writeString(dir.resolve("w.sh"), "if [ -e " + slow + " ]; then sleep 2; fi\nexec "
                + TestPrograms.cWorker() + "\n");
        try (ExecPool<String, String> pool = c().command("sh", script.toString()).workers(2).maxTasksPerWorker(1)
                .build()) {
            Files.writeString(slow, "");  // from now on workers take 2 s to start
            TaskFuture<String> busy = pool.submit("sleep 1000");  // slot 1
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pool.stats().busy() == 1);
            assertThat(pool.submit("echo a").get(30, TimeUnit.SECONDS)).isEqualTo("a");  // slot 2: its successor starts
            pool.resize(1);  // slot 2 is idle: it leaves (and exits) while its successor is still starting
            assertThat(busy.get(30, TimeUnit.SECONDS)).isEqualTo("slept 1000");
            // one worker wanted in the end: slot 1's successor. An orphaned successor of slot 2 would make it 2 for good
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> Children.ofThisJvm().size() == 1 && pool.stats().idle() == 1);
        }
    }

    /** A worker that dies right after HELLO while another is still starting: its slot must be filled again. */
    @Test
    void aSlotWhoseRestartIsDueWhileThePoolStartsIsFilled(@TempDir Path dir) throws Exception {
        Path once = dir.resolve("once");
        Path script = Files.writeString(dir.resolve("w.sh"), String.join("\n",
                "W=" + TestPrograms.cWorker(),
                "if [ \"$PROCPOOL_WORKER\" = c-2 ]; then sleep 1.5; fi",
                "if [ \"$PROCPOOL_WORKER\" = c-1 ] && mkdir " + once + " 2>/dev/null; then",
                "  exec $W --die-after-hello",  // says HELLO, then dies before any task
                "fi",
                "exec $W", ""));
        try (ExecPool<String, String> pool = c().command("sh", script.toString()).workers(2)
                .restartBackoff(Duration.ofMillis(50), Duration.ofMillis(100)).build()) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ofMillis(500))
                    .until(() -> pool.stats().idle() == 2);
        }
    }
}
