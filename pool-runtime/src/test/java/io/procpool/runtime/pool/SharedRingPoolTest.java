package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.supervise.Launcher;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * JVM workers send through a shared ring ({@code process.SharedRing}, docs/protocol.md "The shared ring"), or on their
 * socket with {@code -Dprocpool.sharedRing=0}; both keep every answer and exact blame.
 */
@ExtendWith(NoChildLeft.class)
class SharedRingPoolTest {

    /** The worker's ring variable. */
    record RingVariable() implements Task<String> {
        @Override
        public String call() {
            return String.valueOf(System.getenv("PROCPOOL_RING_FD"));
        }
    }

    @Test
    void aJvmWorkerGetsItsRingByDefault() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("ring").workers(1).build()) {
            assertThat(pool.submit(new RingVariable()).get(60, TimeUnit.SECONDS)).isEqualTo("3");
        }
    }

    @Test
    void onTheSocketEveryAnswerArrivesAndOnlyTheCrashingTasksFail() throws Exception {
        TaskPool pool;
        System.setProperty(Launcher.SHARED_RING_PROPERTY, "0");
        try {
            pool = TaskPool.builder().name("socket").workers(2).prefetch(16).maxAttempts(1).build();
        } finally {
            System.clearProperty(Launcher.SHARED_RING_PROPERTY);
        }
        try (pool) {
            List<TaskFuture<byte[]>> futures = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                futures.add(pool.submit(new FaultTest.HaltEvery(i, 100)));
            }
            List<Integer> failed = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                try {
                    assertThat(java.nio.ByteBuffer.wrap(futures.get(i).get(120, TimeUnit.SECONDS)).getInt()).isEqualTo(i);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(WorkerCrashedException.class);
                    failed.add(i);
                }
            }
            assertThat(failed).containsExactly(99, 199, 299, 399, 499, 599);
            assertThat(pool.submit(new RingVariable()).get(60, TimeUnit.SECONDS)).as("no ring for the workers")
                    .isEqualTo("null");
        }
    }

    @Test
    void aRingSizeThatIsNotAPowerOfTwoInRangeFailsTheBuildNamingTheProperty() {
        for (String bad : new String[] {"1000", "-1", "lots", "134217728"}) {
            System.setProperty(Launcher.SHARED_RING_PROPERTY, bad);
            try {
                assertThatThrownBy(() -> TaskPool.builder().name("bad").workers(1).build().close())
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("procpool.sharedRing=" + bad);
            } finally {
                System.clearProperty(Launcher.SHARED_RING_PROPERTY);
            }
        }
    }
}
