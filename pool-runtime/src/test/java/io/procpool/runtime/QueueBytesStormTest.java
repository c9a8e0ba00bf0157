package io.procpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.Codec;
import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.TaskRejectedException;
import io.procpool.runtime.dispatch.EngineProbe;
import io.procpool.runtime.testing.Blob;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue's two bounds (queueCapacity, maxQueuedBytes) under everything that takes a job out of it at once: many
 * submitters of mixed sizes (some over the bound), cancels of queued tasks, workers that die holding tasks (given back,
 * outside the bounds, then dispatched), an interrupted submitter, shutdownNow with submitters waiting. Afterwards every
 * future is done and the queue holds no task and no byte.
 */
@ExtendWith(NoChildLeft.class)
class QueueBytesStormTest {

    /** Kills its worker. */
    record Halt() implements Task<Integer> {
        @Override
        public Integer call() {
            Runtime.getRuntime().halt(3);
            return 0;
        }
    }

    /** Holds its worker until the file {@code path} exists. */
    record Gate(String path) implements Task<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            while (!Files.exists(Path.of(path))) {
                Thread.sleep(5);
            }
            return 0;
        }
    }

    private static final int[] SIZES = {10, 500, 3000, 20_000};  // the last over the bound: let in alone

    @Test
    void mixedSizesCancelsCrashesAndAnInterruptLeaveNoTaskPendingAndNoByteQueued() throws Exception {
        Queue<TaskFuture<Integer>> futures = new ConcurrentLinkedQueue<>();
        AtomicInteger rejected = new AtomicInteger();
        try (TaskPool pool = TaskPool.builder().name("storm").workers(2).prefetch(2).queueCapacity(64)
                .maxQueuedBytes(16 * 1024).maxAttempts(1).restartBackoff(Duration.ofMillis(1), Duration.ofMillis(1))
                .crashLoopLimit(1000, Duration.ofMinutes(1)).build()) {
            List<Thread> submitters = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int t = 0; t < 4; t++) {
                int seed = t;
                Thread s = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 150; i++) {
                        try {
                            TaskFuture<Integer> f = pool.submit(i % 75 == 74 ? new Halt()
                                    : new Blob(new byte[SIZES[(i * 7 + seed) % SIZES.length]]));
                            futures.add(f);
                            if (i % 9 == seed) {
                                f.cancel(i % 2 == 0);  // most of them still queued
                            }
                        } catch (TaskRejectedException e) {
                            rejected.incrementAndGet();  // the interrupted one, from then on
                        }
                    }
                }, "submitter-" + t);
                s.start();
                submitters.add(s);
            }
            go.countDown();
            await().atMost(Duration.ofSeconds(60)).until(() -> futures.size() >= 100);
            submitters.get(3).interrupt();
            for (Thread s : submitters) {
                s.join(TimeUnit.SECONDS.toMillis(120));
                assertThat(s.isAlive()).as(s.getName()).isFalse();
            }
            assertThat(futures.size() + rejected.get()).isEqualTo(600);
            int ran = 0;
            for (TaskFuture<Integer> f : futures) {
                if (outcome(f) != null) {
                    ran++;
                }
            }
            assertThat(ran).isGreaterThan(300);
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.stats().queued() == 0
                    && EngineProbe.queuedBytes(pool.engine) == 0);
            // the bounds still hold after the storm: a full queue's worth goes through again
            List<TaskFuture<Integer>> after = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                after.add(pool.submit(new Blob(new byte[3000])));
            }
            for (TaskFuture<Integer> f : after) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(3000);
            }
            assertThat(EngineProbe.queuedBytes(pool.engine)).isZero();
        }
    }

    @Test
    void shutdownNowWithSubmittersWaitingForBytesLeavesNoFuturePendingAndNoByteQueued(@TempDir Path dir)
            throws Exception {
        Path gate = dir.resolve("gate");
        Queue<TaskFuture<Integer>> futures = new ConcurrentLinkedQueue<>();
        AtomicInteger rejected = new AtomicInteger();
        try (TaskPool pool = TaskPool.builder().name("stormnow").workers(1).maxQueuedBytes(4096).build()) {
            futures.add(pool.submit(new Gate(gate.toString())));
            List<Thread> submitters = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                Thread s = new Thread(() -> {
                    for (int i = 0; i < 5; i++) {
                        try {
                            futures.add(pool.submit(new Blob(new byte[3000])));
                        } catch (TaskRejectedException e) {
                            rejected.incrementAndGet();
                        }
                    }
                }, "submitter-" + t);
                s.start();
                submitters.add(s);
            }
            // the worker holds the gate; one task of 3,000 bytes queued, the others' submitters wait for bytes
            await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().queued() == 1
                    && futures.size() == 2 && submitters.stream().filter(Thread::isAlive).count() == 3);
            assertThat(pool.shutdownNow()).isNotEmpty().allMatch(t -> t instanceof Blob);
            for (Thread s : submitters) {
                s.join(TimeUnit.SECONDS.toMillis(60));
                assertThat(s.isAlive()).as(s.getName()).isFalse();
            }
            assertThat(futures.size() + rejected.get()).isEqualTo(16);
            for (TaskFuture<Integer> f : futures) {
                outcome(f);
            }
            assertThat(pool.awaitTermination(Duration.ofSeconds(60))).isTrue();
            assertThat(pool.stats().queued()).isZero();
            assertThat(EngineProbe.queuedBytes(pool.engine)).isZero();
        }
    }

    /** Line mode: each line's length comes back; a "die" line kills the worker; long and short lines mixed. */
    private static final String WORKER = """
            #!/bin/sh
            while IFS= read -r line; do
              case "$line" in die*) exit 3;; esac
              printf '%s\\n' "${#line}"
            done
            """;

    @Test
    void anExecPoolOfMixedLinesWithCancelsAndDeathsLeavesNoByteQueued(@TempDir Path dir) throws Exception {
        Path program = dir.resolve("worker.sh");
        Files.writeString(program, WORKER);
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
        Queue<TaskFuture<String>> futures = new ConcurrentLinkedQueue<>();
        try (ExecPool<String, String> pool = ExecPool.builder(Codec.utf8(), Codec.utf8()).name("stormexec")
                .lineMode().command(program.toString()).workers(2).queueCapacity(32).maxQueuedBytes(4096)
                .maxAttempts(1).restartBackoff(Duration.ofMillis(1), Duration.ofMillis(1))
                .crashLoopLimit(1000, Duration.ofMinutes(1)).build()) {
            List<Thread> submitters = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = t;
                Thread s = new Thread(() -> {
                    for (int i = 0; i < 80; i++) {
                        String line = i % 40 == 39 ? "die" : "x".repeat(new int[] {5, 300, 2000, 6000}[(i + seed) % 4]);
                        TaskFuture<String> f = pool.submit(line);
                        futures.add(f);
                        if (i % 7 == seed) {
                            f.cancel(false);
                        }
                    }
                }, "submitter-" + t);
                s.start();
                submitters.add(s);
            }
            for (Thread s : submitters) {
                s.join(TimeUnit.SECONDS.toMillis(120));
                assertThat(s.isAlive()).as(s.getName()).isFalse();
            }
            assertThat(futures).hasSize(240);
            for (TaskFuture<String> f : futures) {
                outcome(f);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.stats().queued() == 0
                    && EngineProbe.queuedBytes(pool.engine) == 0);
            assertThat(pool.submit("x".repeat(5000)).get(60, TimeUnit.SECONDS)).isEqualTo("5000");
        }
    }

    /** Waits for {@code f}: its value, or null when it failed or was cancelled; fails the test if it stays pending. */
    private static <R> R outcome(TaskFuture<R> f) throws InterruptedException {
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            return null;
        } catch (TimeoutException e) {
            throw new AssertionError("a future stayed pending: " + f, e);
        }
    }
}
