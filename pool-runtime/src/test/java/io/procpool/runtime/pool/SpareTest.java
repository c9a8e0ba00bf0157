package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A warm spare takes a dead worker's place at once: the retry runs in a JVM that was started before the crash. */
@ExtendWith(NoChildLeft.class)
class SpareTest {

    /** Kills its worker on the first attempt; on the next one, says where it runs. */
    record CrashOnce() implements Task<Long> {
        @Override
        public Long call() {
            if (TaskContext.current().attempt() == 1) {
                Runtime.getRuntime().halt(3);
            }
            return ProcessHandle.current().pid();
        }
    }

    @Test
    void theRetryRunsOnTheSpareAndANewSpareIsStarted() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("spare").workers(1).spares(1).maxAttempts(2).build()) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().spares() == 1);
            Set<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
            assertThat(before).hasSize(2);
            long ranIn = pool.submit(new CrashOnce()).get(60, TimeUnit.SECONDS);
            assertThat(before).as("the retry ran in a worker started before the crash").contains(ranIn);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().spares() == 1);
            assertThat(pool.stats().restarts()).isEqualTo(1);
            assertThat(pool.stats().idle()).isEqualTo(1);
        }
    }
}
