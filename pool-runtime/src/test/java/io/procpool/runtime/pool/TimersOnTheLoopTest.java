package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.procpool.TaskFuture;
import io.procpool.TaskTimeoutException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pool's threads. Every timer of a pool (task timeouts, the cancel grace, start-up, heartbeat, idle and lifetime checks, restart
 * back-offs) runs on its I/O thread's deadline heap: no timer thread that hops back to it.
 */
@ExtendWith(NoChildLeft.class)
class TimersOnTheLoopTest {

    @Test
    void aPoolWithEveryTimerHasNoTimerThreadAndItsTimersStillFire() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("looptimers").minWorkers(1).maxWorkers(2).idleTimeout(Duration.ofSeconds(1))
                .heartbeatTimeout(Duration.ofSeconds(5)).maxWorkerLifetime(Duration.ofMinutes(10))
                .cancelGrace(Duration.ofMillis(200)).build()) {
            TaskFuture<Integer> late = pool.submit(new FaultTest.Sleep(60_000, 1),
                    io.procpool.TaskOptions.timeout(Duration.ofMillis(300)));
            assertThatThrownBy(() -> late.get(60, TimeUnit.SECONDS)).cause().isInstanceOf(TaskTimeoutException.class);
            List<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                    .filter(n -> n.contains("looptimers")).toList();
            assertThat(names).anyMatch(n -> n.startsWith("procpool-io-looptimers"))
                    .noneMatch(n -> n.startsWith("procpool-timer-"));
            // the task ignored nothing: its worker was told to stop and the pool serves on
            assertThat(pool.submit(() -> 7).get(60, TimeUnit.SECONDS)).isEqualTo(7);
        }
    }

    /**
     * The pool's own threads (I/O, completion, launch) all end with close(): none lingers (a lingering thread keeps a
     * class loader alive in a container, and makes {@code mvn exec:java} wait for it).
     */
    @Test
    void noThreadOfThePoolOutlivesItsClose() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("threadsgone").workers(2).maxWorkerRss(1L << 40).build()) {
            for (int i = 0; i < 20; i++) {
                assertThat(pool.submit(() -> 1).get(60, TimeUnit.SECONDS)).isEqualTo(1);
            }
            assertThat(threadsOf("threadsgone")).anyMatch(n -> n.startsWith("procpool-launch-threadsgone"));
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(threadsOf("threadsgone")).isEmpty());
    }

    private static List<String> threadsOf(String pool) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.endsWith("-" + pool) || n.contains("-" + pool + "-")).toList();
    }
}
