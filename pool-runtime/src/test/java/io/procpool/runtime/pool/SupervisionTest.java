package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitReason;
import io.procpool.PoolFailedException;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.TaskOutcome;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.Recorder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The event stream, the restart back-off, the crash-loop breaker, dynamic size and spares as successors. */
@ExtendWith(NoChildLeft.class)
class SupervisionTest {

    private static void awaitFile(Path p) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(p));
    }

    @Test
    void theEventStreamTellsWhatHappenedWithReasonsAndOutcomes() throws Exception {
        Recorder events = new Recorder();
        try (TaskPool pool = TaskPool.builder().name("events").workers(1).maxAttempts(1)
                .cancelGrace(Duration.ofMillis(100)).listener(events).build()) {
            assertThat(pool.submit(() -> 1).get(60, TimeUnit.SECONDS)).isEqualTo(1);
            TaskFuture<Integer> fails = pool.submit(() -> {
                throw new IllegalStateException("no");
            });
            assertThatThrownBy(() -> fails.get(60, TimeUnit.SECONDS)).hasMessageContaining("no");
            TaskFuture<Integer> crash = pool.submit(new LifecycleTest.Exit(3));
            assertThatThrownBy(() -> crash.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(WorkerCrashedException.class);
            TaskFuture<Integer> stuck = pool.submit(new LifecycleTest.Stubborn(),
                    TaskOptions.timeout(Duration.ofMillis(200)));
            assertThatThrownBy(() -> stuck.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(io.procpool.TaskTimeoutException.class);
            assertThat(pool.submit(() -> 2).get(60, TimeUnit.SECONDS)).isEqualTo(2);
        }
        assertThat(events.details("ended")).containsExactly(TaskOutcome.SUCCESS, TaskOutcome.FAILURE,
                TaskOutcome.CRASH, TaskOutcome.TIMEOUT, TaskOutcome.SUCCESS);
        assertThat(events.of("submitted")).hasSize(5);
        assertThat(events.of("taskStarted")).hasSize(5);
        assertThat(events.details("restarted")).containsExactly(ExitReason.CRASH, ExitReason.TIMEOUT);
        assertThat(events.details("exited")).containsExactly(ExitReason.CRASH, ExitReason.TIMEOUT,
                ExitReason.SHUTDOWN);
        assertThat(events.of("started")).hasSize(3);
        assertThat(events.details("ready")).hasSize(3)
                .allSatisfy(d -> assertThat((Duration) d).isPositive());
        assertThat(events.of("failed")).isEmpty();
    }

    /** A java launcher that refuses to start once the marker file exists. */
    static Path flakyJava(Path dir, Path marker) throws Exception {
        Path script = dir.resolve("java.sh");
        Files.writeString(script, "#!/bin/sh\nif [ -e '" + marker + "' ]; then echo 'refusing to start' >&2; exit 1; fi\n"
                + "exec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @Test
    void aCrashLoopBacksOffExponentiallyThenTripsTheBreaker(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("broken");
        Recorder events = new Recorder();
        long base = 20;
        long max = 160;
        try (TaskPool pool = TaskPool.builder().name("loop").workers(1).maxAttempts(1).listener(events)
                .restartBackoff(Duration.ofMillis(base), Duration.ofMillis(max)).crashLoopLimit(6, Duration.ofMinutes(1))
                .javaCommand(flakyJava(dir, marker).toString()).build()) {
            Files.writeString(marker, "");
            TaskFuture<Integer> crash = pool.submit(new LifecycleTest.Exit(3));
            assertThatThrownBy(() -> crash.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(WorkerCrashedException.class);
            assertThat(pool.awaitTermination(Duration.ofSeconds(60))).isTrue();
            assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(PoolFailedException.class)
                    .hasMessageContaining("crash loop: 7 workers died before doing any work")
                    .hasMessageContaining("refusing to start");
        }
        assertThat(events.of("failed")).singleElement()
                .satisfies(e -> assertThat((String) e.detail()).contains("refusing to start"));
        // the crash, then six failed starts: each restart waits at least half its back-off (base doubling, capped)
        List<Recorder.Event> exits = events.of("exited");
        List<Recorder.Event> starts = events.of("started");
        assertThat(exits).hasSize(7);
        assertThat(starts).hasSize(7);
        for (int k = 0; k < 6; k++) {
            long waited = starts.get(k + 1).nanos() - exits.get(k).nanos();
            long backoff = Math.min(max, base << k);
            assertThat(TimeUnit.NANOSECONDS.toMillis(waited)).as("restart %d", k + 1)
                    .isGreaterThanOrEqualTo(backoff / 2);
        }
        assertThat(events.details("exited")).containsExactly(ExitReason.CRASH, ExitReason.START_FAILED,
                ExitReason.START_FAILED, ExitReason.START_FAILED, ExitReason.START_FAILED, ExitReason.START_FAILED,
                ExitReason.START_FAILED);
    }

    @Test
    void aDynamicPoolGrowsWhileTasksWaitAndShrinksWhenIdle(@TempDir Path dir) throws Exception {
        Recorder events = new Recorder();
        Path go = dir.resolve("go");
        try (TaskPool pool = TaskPool.builder().name("elastic").minWorkers(1).maxWorkers(3)
                .idleTimeout(Duration.ofMillis(300)).listener(events).build()) {
            assertThat(pool.stats().idle()).isEqualTo(1);
            List<TaskFuture<Integer>> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(pool.submit(new LifecycleTest.WaitFor(go.toString(), i)));
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().busy() == 3);
            Files.writeString(go, "");
            for (int i = 0; i < 3; i++) {
                assertThat(held.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i);
            }
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.stats().idle() == 1 && pool.reapedWorkers() == 2);
            assertThat(events.details("exited")).containsExactly(ExitReason.SCALE_DOWN, ExitReason.SCALE_DOWN);
            assertThat(events.of("restarted")).isEmpty();

            pool.resize(2);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().idle() == 2);
            pool.resize(1);
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.stats().idle() == 1 && pool.reapedWorkers() == 3);
            assertThat(pool.submit(() -> 7).get(60, TimeUnit.SECONDS)).isEqualTo(7);
            assertThatThrownBy(() -> pool.resize(3, 2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("min <= max");
        }
    }

    @Test
    void aPoolOfZeroMinimumStartsOneToCheckThenScalesFromNothing() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("zero").minWorkers(0).maxWorkers(2)
                .idleTimeout(Duration.ofMillis(200)).build()) {
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.stats().idle() == 0 && pool.reapedWorkers() == 1);
            assertThat(pool.submit(() -> 5).get(60, TimeUnit.SECONDS)).isEqualTo(5);
        }
        assertThatThrownBy(() -> TaskPool.builder().minWorkers(3).maxWorkers(2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minWorkers (3) must not be above maxWorkers (2)");
    }

    @Test
    void aRecycledWorkersSuccessorIsTheWarmSpareAtOnce() throws Exception {
        Recorder events = new Recorder();
        try (TaskPool pool = TaskPool.builder().name("handover").workers(1).spares(1).maxTasksPerWorker(3)
                .listener(events).build()) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().spares() == 1);
            Set<Long> spares = new HashSet<>();
            Set<Long> served = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                served.add(pool.submit(() -> ProcessHandle.current().pid()).get(60, TimeUnit.SECONDS));
            }
            for (Recorder.Event e : events.of("started")) {
                if (e.subject().equals("handover-spare")) {
                    spares.add(((Integer) e.detail()).longValue());
                }
            }
            // at its task limit (3 ± 10 %) the worker hands its slot to the ready spare at once: the spare served
            assertThat(served).hasSizeGreaterThanOrEqualTo(2);
            assertThat(served).containsAnyElementsOf(spares);
            assertThat(events.details("restarted")).isNotEmpty().allMatch(r -> r == ExitReason.MAX_TASKS);
        }
    }
}
