package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.Killer;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * JVM workers SIGKILLed at random, one every 250 ms, while 10,000 tasks run on 4 workers: every task ends exactly
 * once (a result, or WorkerCrashedException after maxAttempts), no result twice, one restart per kill, no zombie,
 * and the pool still serves afterwards. The killer picks among ready workers (those that said HELLO).
 *
 * <p>Why 250 ms and not 50: on two cores a worker JVM costs ~300 ms of CPU to start, so four of them restarting
 * take ~600 ms of wall time; at 100 ms a test measured ~100 tasks/s with all four workers starting nearly all the
 * time, at 50 ms ~10/s. The supervision code is the same for every worker kind: ExecPoolChaosTest runs the 50 ms pace
 * with C workers, which start in under a millisecond.
 */
@ExtendWith(NoChildLeft.class)
class ChaosTest {

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

    @Test
    void tenThousandTasksWhileWorkersAreKilledEndExactlyOnce() throws Exception {
        int n = 10_000;
        Recorder events = new Recorder();
        Killer killer = new Killer(Duration.ofMillis(250));
        try (TaskPool pool = TaskPool.builder().name("chaos").workers(4).prefetch(4).maxAttempts(3)
                .crashLoopLimit(Integer.MAX_VALUE, Duration.ofMinutes(1))
                .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(200))
                .queueCapacity(n).listener(events).listener(killer).build()) {
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
            killer.close();
            assertThat(ok + crashed).isEqualTo(n);
            assertThat(killer.kills()).isPositive();
            System.out.println("chaos: " + killer.kills() + " workers killed, " + crashed + " tasks crashed 3 times");
            // every kill is one replacement; wait until the last replacements are ready
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.stats().idle() == 4);
            assertThat(pool.stats().restarts()).isEqualTo(killer.kills());
            assertThat(pool.stats().completed()).isEqualTo(ok);
            assertThat(pool.stats().failed()).isEqualTo(crashed);
            assertThat(pool.reapedWorkers()).isEqualTo(killer.kills());
            assertThat(pool.submit(new Work(-1)).get(60, TimeUnit.SECONDS)).isEqualTo(-1);
            // the event stream agrees: each task ended once, one restart and one exit per kill
            List<Recorder.Event> ended = events.of("ended");
            assertThat(ended).hasSize(n + 1);
            assertThat(ended.stream().map(Recorder.Event::subject).distinct().count()).isEqualTo(n + 1);
            assertThat(events.of("restarted")).hasSize(killer.kills());
            assertThat(events.of("exited")).hasSize(killer.kills());
        }
    }
}
