package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A caller that keeps its futures keeps their jobs, and a job its last worker: a worker that is gone must not keep
 * its channel's direct buffers (grown to the largest answer) with it. Found by a manager that ran out of direct
 * memory after some fifty dead workers while its caller held every future (session 29).
 */
@ExtendWith(NoChildLeft.class)
class DeadWorkerBuffersTest {

    /** Answers 768 KiB: the manager's buffer for that worker's channel grows past 1 MiB. */
    record Large() implements Task<byte[]> {
        @Override
        public byte[] call() {
            return new byte[768 << 10];
        }
    }

    @Test
    void workersThatAreGoneKeepNoDirectMemoryWhileTheirFuturesAreKept() throws Exception {
        long before = settledDirectBytes(Long.MAX_VALUE);
        List<TaskFuture<byte[]>> kept = new ArrayList<>();
        try (TaskPool pool = TaskPool.builder().name("dead-buffers").workers(1).maxTasksPerWorker(1)
                .maxMessageSize(2 << 20).build()) {
            for (int i = 0; i < 16; i++) {
                TaskFuture<byte[]> f = pool.submit(new Large());
                assertThat(f.get(60, TimeUnit.SECONDS)).hasSize(768 << 10);
                kept.add(f);
                long retired = i + 1;  // each worker answers once, then its successor takes over (until then it
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))  // would take the next task)
                        .until(() -> pool.stats().recycled() >= retired);
            }
            // 16 workers gone, each with a buffer of 1 MiB or more had it stayed: 4 MiB is the live worker's and slack
            long after = settledDirectBytes(before + (4 << 20));
            assertThat(after - before).as("direct memory kept, bytes").isLessThan(4 << 20);
        }
        assertThat(kept).hasSize(16);
    }

    /** The JVM's direct memory in use once collected garbage has let go of it (waits up to 10 s for {@code goal}). */
    private static long settledDirectBytes(long goal) throws InterruptedException {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long used;
        do {
            System.gc();
            used = direct.getMemoryUsed();
            if (used <= goal) {
                break;
            }
            Thread.sleep(50);  // the cleaners run on the JDK's reference thread after a collection
        } while (System.nanoTime() < deadline);
        return used;
    }
}
