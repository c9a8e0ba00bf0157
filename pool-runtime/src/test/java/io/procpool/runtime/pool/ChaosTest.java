package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.Children;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Workers SIGKILLed at random while 10,000 tasks run: every task ends exactly once, the pool keeps serving. One
 * kill every 250 ms: on two cores each replacement JVM costs a few hundred ms of CPU, so a faster pace measures
 * JVM start-up, not the pool (issue 4 brings warm spares for that).
 */
class ChaosTest {

    @AfterEach
    void noChildLeft() {
        Children.assertNoneLeft();
    }

    /** Burns a little CPU so that kills land on running tasks too, and returns its index. */
    record Work(int index) implements Task<Integer> {
        @Override
        public Integer call() {
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < 200_000) {
                Thread.onSpinWait();
            }
            return index;
        }
    }

    private static List<ProcessHandle> workers(String pool) {
        return ProcessHandle.current().children().filter(p -> {
            try {
                return Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).startsWith("procpool:" + pool + ":");
            } catch (java.io.IOException gone) {
                return false;
            }
        }).toList();
    }

    @Test
    void tenThousandTasksWhileWorkersAreKilledEndExactlyOnce() throws Exception {
        int n = 10_000;
        try (TaskPool pool = TaskPool.builder().name("chaos").workers(4).prefetch(4).maxAttempts(3)
                .queueCapacity(n).build()) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger kills = new AtomicInteger();
            Thread killer = new Thread(() -> {
                while (!stop.get()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));  // the pace of the chaos, not a wait
                    List<ProcessHandle> live = workers("chaos");
                    if (!live.isEmpty() && !stop.get()
                            && live.get(ThreadLocalRandom.current().nextInt(live.size())).destroyForcibly()) {
                        kills.incrementAndGet();
                    }
                }
            }, "killer");
            List<TaskFuture<Integer>> futures = new ArrayList<>(n);
            killer.start();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(new Work(i)));
            }
            int ok = 0;
            int crashed = 0;
            for (int i = 0; i < n; i++) {
                try {
                    assertThat(futures.get(i).get(5, TimeUnit.MINUTES)).isEqualTo(i);
                    ok++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(WorkerCrashedException.class);
                    assertThat(((WorkerCrashedException) e.getCause()).attempts()).isEqualTo(3);
                    crashed++;
                }
            }
            stop.set(true);
            killer.join();
            assertThat(ok + crashed).isEqualTo(n);
            assertThat(kills.get()).isPositive();
            System.out.println("chaos: " + kills.get() + " workers killed, " + crashed + " tasks crashed 3 times");
            // every kill is one replacement; wait until the last replacements are ready
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.stats().idle() == 4);
            assertThat(pool.stats().restarts()).isEqualTo(kills.get());
            assertThat(pool.stats().completed()).isEqualTo(ok);
            assertThat(pool.stats().failed()).isEqualTo(crashed);
            assertThat(pool.reapedWorkers()).isEqualTo(kills.get());
            assertThat(pool.submit(new Work(-1)).get(60, TimeUnit.SECONDS)).isEqualTo(-1);
        }
    }
}
