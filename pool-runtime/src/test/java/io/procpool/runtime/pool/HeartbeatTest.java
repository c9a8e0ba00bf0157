package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A worker that freezes stops beating: it is killed and replaced, and its task fails (or is retried). */
@ExtendWith(NoChildLeft.class)
class HeartbeatTest {

    /** Stops its own JVM with SIGSTOP: the whole process freezes, heartbeat thread included. */
    record Freeze() implements Task<Integer> {
        @Override
        public Integer call() throws Exception {
            new ProcessBuilder("kill", "-STOP", Long.toString(ProcessHandle.current().pid())).start().waitFor();
            return 0;  // never reached
        }
    }

    @Test
    void aFrozenWorkerIsKilledAndReplaced() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("beat").workers(2).maxAttempts(1)
                .heartbeatTimeout(Duration.ofMillis(600)).build()) {
            TaskFuture<Integer> frozen = pool.submit(new Freeze());
            assertThatThrownBy(() -> frozen.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(WorkerCrashedException.class)
                    .hasMessageContaining("killed by SIGKILL").hasMessageContaining("no heartbeat");
            // an idle worker keeps beating: only the frozen one was replaced
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.stats().idle() == 2);
            assertThat(pool.stats().restarts()).isEqualTo(1);
            assertThat(pool.submit(() -> 7).get(60, TimeUnit.SECONDS)).isEqualTo(7);
        }
    }

    @Test
    void heartbeatTimeoutIsChecked() {
        assertThatThrownBy(() -> TaskPool.builder().heartbeatTimeout(Duration.ofMillis(5)))
                .hasMessage("heartbeatTimeout must be at least 30 ms, was 5 ms");
    }
}
