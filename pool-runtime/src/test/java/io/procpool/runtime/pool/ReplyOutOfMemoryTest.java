package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitReason;
import io.procpool.PoolListener;
import io.procpool.Task;
import io.procpool.WorkerInfo;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.process.Unprintable;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An answer whose job has left the books is completed whatever fails after: here the recycling its worker reached
 * (maxTasksPerWorker, a ready spare takes over) runs out of memory inside the same step. Before, the answer's future
 * stayed pending for good: the job was out of inFlight and held, and its completion never queued.
 */
@ExtendWith(NoChildLeft.class)
class ReplyOutOfMemoryTest {

    record Answer() implements Task<Integer> {
        @Override
        public Integer call() {
            return 42;
        }
    }

    /** Throws an error that runs out of memory as it is logged: the listener guard's own log line fails. */
    static final class Unloggable implements PoolListener {
        @Override
        public void workerRestarted(WorkerInfo worker, ExitReason reason) {
            throw new Unprintable();
        }
    }

    @Test
    void anAnswerIsCompletedWhenTheRecyclingAfterItRunsOutOfMemory() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("reply-oom").workers(1).spares(1).maxTasksPerWorker(1)
                .listener(new Unloggable()).build()) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().spares() == 1);
            assertThat(pool.submit(new Answer()).get(30, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }
}
