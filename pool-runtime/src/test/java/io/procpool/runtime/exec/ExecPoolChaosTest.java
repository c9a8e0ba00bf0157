package io.procpool.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.testing.Killer;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.Recorder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chaos of issue 4 at its full pace: 10,000 tasks (0.5 ms of CPU each) on 4 C workers while a random ready
 * worker is SIGKILLed every 50 ms. Every task ends exactly once (its own text back, or WorkerCrashedException after
 * maxAttempts), no result twice, one restart and one reaped exit per kill, no zombie, and the pool serves on.
 */
@ExtendWith(NoChildLeft.class)
class ExecPoolChaosTest {

    @Test
    void tenThousandTasksWhileAWorkerIsKilledEvery50msEndExactlyOnce() throws Exception {
        int n = 10_000;
        Recorder events = new Recorder();
        Killer killer = new Killer(Duration.ofMillis(50));
        try (ExecPool<String, String> pool = ExecPoolTest.c().name("cchaos").workers(4).prefetch(2).maxAttempts(3)
                .crashLoopLimit(Integer.MAX_VALUE, Duration.ofMinutes(1))
                .queueCapacity(n).listener(events).listener(killer).build()) {
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
            killer.close();
            System.out.printf("c chaos: %d tasks in %d ms, %d workers killed, %d tasks crashed 3 times%n", n,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), killer.kills(), crashed);
            assertThat(ok + crashed).isEqualTo(n);
            assertThat(killer.kills()).isGreaterThanOrEqualTo(10);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().idle() == 4
                    && pool.reapedWorkers() == killer.kills());
            assertThat(pool.stats().restarts()).isEqualTo(killer.kills());
            assertThat(pool.stats().completed()).isEqualTo(ok);
            assertThat(pool.stats().failed()).isEqualTo(crashed);
            assertThat(pool.submit("echo still here").get(60, TimeUnit.SECONDS)).isEqualTo("still here");
            List<Recorder.Event> ended = events.of("ended");
            assertThat(ended).hasSize(n + 1);
            assertThat(ended.stream().map(Recorder.Event::subject).distinct().count()).isEqualTo(n + 1);
            assertThat(events.of("restarted")).hasSize(killer.kills());
            assertThat(events.of("exited")).hasSize(killer.kills());
        }
    }
}
