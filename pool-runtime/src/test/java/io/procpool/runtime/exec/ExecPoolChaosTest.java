package io.procpool.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolListener;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.WorkerInfo;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.testing.Children;
import io.procpool.runtime.testing.Recorder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The chaos of issue 4 at its full pace: 10,000 tasks (0.5 ms of CPU each) on 4 C workers while a random ready
 * worker is SIGKILLed every 50 ms. Every task ends exactly once (its own text back, or WorkerCrashedException after
 * maxAttempts), no result twice, one restart and one reaped exit per kill, no zombie, and the pool serves on.
 */
class ExecPoolChaosTest {

    @AfterEach
    void noChildLeft() {
        Children.assertNoneLeft();
    }

    @Test
    void tenThousandTasksWhileAWorkerIsKilledEvery50msEndExactlyOnce() throws Exception {
        int n = 10_000;
        Recorder events = new Recorder();
        Set<Integer> ready = ConcurrentHashMap.newKeySet();
        PoolListener readiness = new PoolListener() {
            @Override
            public void workerReady(WorkerInfo worker, Duration startup) {
                ready.add(worker.pid());
            }

            @Override
            public void workerExited(WorkerInfo worker, ExitStatus status, ExitReason reason) {
                ready.remove(worker.pid());
            }
        };
        try (ExecPool<String, String> pool = ExecPoolTest.c().name("cchaos").workers(4).prefetch(2).maxAttempts(3)
                .crashLoopLimit(Integer.MAX_VALUE, Duration.ofMinutes(1))
                .queueCapacity(n).listener(events).listener(readiness).build()) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger kills = new AtomicInteger();
            Thread killer = new Thread(() -> {
                while (!stop.get()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));  // the pace of the chaos, not a wait
                    List<Integer> live = new ArrayList<>(ready);
                    if (live.isEmpty() || stop.get()) {
                        continue;
                    }
                    int pid = live.get(ThreadLocalRandom.current().nextInt(live.size()));
                    if (ready.remove(pid) && ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                        kills.incrementAndGet();
                    }
                }
            }, "killer");
            killer.start();
            long t0 = System.nanoTime();
            List<TaskFuture<String>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit("spin 500 task-" + i));
            }
            int ok = 0;
            int crashed = 0;
            for (int i = 0; i < n; i++) {
                try {
                    assertThat(futures.get(i).get(5, TimeUnit.MINUTES)).isEqualTo("task-" + i);
                    ok++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(WorkerCrashedException.class);
                    assertThat(((WorkerCrashedException) e.getCause()).attempts()).isEqualTo(3);
                    crashed++;
                }
            }
            stop.set(true);
            killer.join();
            System.out.printf("c chaos: %d tasks in %d ms, %d workers killed, %d tasks crashed 3 times%n", n,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), kills.get(), crashed);
            assertThat(ok + crashed).isEqualTo(n);
            assertThat(kills.get()).isGreaterThanOrEqualTo(10);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().idle() == 4
                    && pool.reapedWorkers() == kills.get());
            assertThat(pool.stats().restarts()).isEqualTo(kills.get());
            assertThat(pool.stats().completed()).isEqualTo(ok);
            assertThat(pool.stats().failed()).isEqualTo(crashed);
            assertThat(pool.submit("echo still here").get(60, TimeUnit.SECONDS)).isEqualTo("still here");
            List<Recorder.Event> ended = events.of("ended");
            assertThat(ended).hasSize(n + 1);
            assertThat(ended.stream().map(Recorder.Event::subject).distinct().count()).isEqualTo(n + 1);
            assertThat(events.of("restarted")).hasSize(kills.get());
            assertThat(events.of("exited")).hasSize(kills.get());
        }
    }
}
