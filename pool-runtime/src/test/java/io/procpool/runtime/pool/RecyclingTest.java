package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.PoolStats;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** maxTasksPerWorker retires workers; each successor is ready before its predecessor leaves. */
@ExtendWith(NoChildLeft.class)
class RecyclingTest {

    @Test
    void workersRetireAfterTheirTasksWithoutADipInReadyWorkers() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("recycle").workers(2).maxTasksPerWorker(20).build()) {
            runWatched(pool);
        }
    }

    @Test
    void workersRetireAtTheEndOfTheirLifetime() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("lifetime").workers(2).maxWorkerLifetime(Duration.ofMillis(300))
                .build()) {
            runWatched(pool);
        }
    }

    @Test
    void workersAboveTheirRssLimitRetire() throws Exception {
        // every JVM is above 1 MiB resident: each worker retires after its first task is checked
        try (TaskPool pool = TaskPool.builder().name("rss").workers(2).maxWorkerRss(1 << 20).build()) {
            runWatched(pool);
        }
    }

    /** 300 tasks of 10 ms each while a watcher checks that 2 workers are always ready. */
    private static void runWatched(TaskPool pool) throws Exception {
        {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger dips = new AtomicInteger();
            AtomicInteger samples = new AtomicInteger();
            Thread watcher = new Thread(() -> {
                while (running.get()) {
                    PoolStats s = pool.stats();
                    samples.incrementAndGet();
                    if (s.idle() + s.busy() < 2) {
                        dips.incrementAndGet();
                    }
                    Thread.onSpinWait();
                }
            }, "watcher");
            watcher.start();
            List<TaskFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                futures.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    while (System.nanoTime() - t0 < 10_000_000) {  // 10 ms of work, so that successors start meanwhile
                        Thread.onSpinWait();
                    }
                    return ProcessHandle.current().pid();
                }));
            }
            Set<Long> pids = new HashSet<>();
            for (TaskFuture<Long> f : futures) {
                pids.add(f.get(120, TimeUnit.SECONDS));
            }
            running.set(false);
            watcher.join();
            PoolStats s = pool.stats();
            assertThat(s.completed()).isEqualTo(300);
            // a worker serves on past its limit until its successor is ready (a JVM start, 0.2 s or more on a busy
            // machine): how many recycles fit in the run depends on the machine, that there are some does not
            assertThat(s.recycled()).isPositive();
            assertThat(pids.size()).isGreaterThanOrEqualTo(3);
            assertThat((long) pids.size()).isLessThanOrEqualTo(2 + s.recycled());
            assertThat(s.restarts()).isZero();
            assertThat(samples.get()).isPositive();
            assertThat(dips.get()).as("samples with fewer than 2 ready workers").isZero();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.reapedWorkers() == pool.stats().recycled());
        }
    }
}
