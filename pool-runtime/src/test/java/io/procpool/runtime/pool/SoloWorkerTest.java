package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A worker of capacity 1 runs a task on the thread that read it (no hand-off): while that task runs, the worker's
 * other thread must take over the reading, so that a CANCEL, a prefetched TASK and SHUTDOWN still reach it.
 */
@ExtendWith(NoChildLeft.class)
class SoloWorkerTest {

    /** The worker's pid. */
    record Pid() implements Task<Long> {
        @Override
        public Long call() {
            return ProcessHandle.current().pid();
        }
    }

    /** Says it runs (an event every 10 ms) until it is interrupted or two minutes have passed. */
    record Busy() implements Task<Integer> {
        @Override
        public Integer call() throws Exception {
            for (int i = 0; i < 12_000; i++) {
                TaskContext.current().emit("running");
                Thread.sleep(10);
            }
            return 1;
        }
    }

    /** Returns its number, after sleeping the given time (0: at once). */
    record Numbered(int n, long sleepMillis) implements Task<Integer> {
        @Override
        public Integer call() throws Exception {
            if (sleepMillis > 0) {
                Thread.sleep(sleepMillis);
            }
            return n;
        }
    }

    /** Returns its payload. */
    record Echo(byte[] data) implements Task<byte[]> {
        @Override
        public byte[] call() {
            return data;
        }
    }

    private static TaskPool.Builder solo(int prefetch) {
        // a cancel grace far longer than the test: a CANCEL the worker does not read is a kill much later
        return TaskPool.builder().name("solo").workers(1).capacity(1).prefetch(prefetch)
                .cancelGrace(Duration.ofMinutes(5));
    }

    private static TaskFuture<Integer> running(TaskPool pool) throws InterruptedException {
        CountDownLatch runs = new CountDownLatch(1);
        TaskFuture<Integer> busy = pool.submit(new Busy());
        busy.onEvent(e -> runs.countDown());
        assertThat(runs.await(60, TimeUnit.SECONDS)).as("the long task runs").isTrue();
        return busy;
    }

    @ParameterizedTest(name = "prefetch {0}")
    @ValueSource(ints = {0, 4})
    void aCancelReachesTheWorkerWhileItsOnlyTaskThreadRunsALongTask(int prefetch) throws Exception {
        try (TaskPool pool = solo(prefetch).build()) {
            long pid = pool.submit(new Pid()).get(60, TimeUnit.SECONDS);
            TaskFuture<Integer> busy = running(pool);
            busy.cancel(true);
            assertThatThrownBy(() -> busy.get(60, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            // the task was interrupted in its worker, which serves on: no kill after the grace, no new worker
            assertThat(pool.submit(new Pid()).get(60, TimeUnit.SECONDS)).isEqualTo(pid);
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void tasksPrefetchedWhileALongTaskRunsAreReadCancelledOrRunInOrder() throws Exception {
        try (TaskPool pool = solo(4).build()) {
            long pid = pool.submit(new Pid()).get(60, TimeUnit.SECONDS);
            TaskFuture<Integer> busy = running(pool);
            List<TaskFuture<Integer>> queued = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                queued.add(pool.submit(new Numbered(i, 0)));
            }
            queued.get(1).cancel(true);  // held by the worker, not started: answered as cancelled
            busy.cancel(true);
            assertThatThrownBy(() -> busy.get(60, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            assertThat(queued.get(0).get(60, TimeUnit.SECONDS)).isEqualTo(0);
            assertThatThrownBy(() -> queued.get(1).get(60, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            assertThat(queued.get(2).get(60, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(queued.get(3).get(60, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(pool.submit(new Pid()).get(60, TimeUnit.SECONDS)).isEqualTo(pid);
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void shortAndLongerTasksMixedAllCompleteOnceWithTheirOwnResult() throws Exception {
        // tasks of 5 ms outlast the standby's look: the reading changes threads again and again
        try (TaskPool pool = TaskPool.builder().name("solo").workers(2).capacity(1).prefetch(16).build()) {
            List<TaskFuture<Integer>> all = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                all.add(pool.submit(new Numbered(i, i % 40 == 0 ? 5 : 0)));
            }
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).get(120, TimeUnit.SECONDS)).isEqualTo(i);
            }
            assertThat(pool.stats().completed()).isEqualTo(3000);
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void shutdownWhileALongTaskRunsFinishesItAndWhatTheWorkerHolds() throws Exception {
        TaskPool pool = solo(4).build();
        List<TaskFuture<Integer>> all = new ArrayList<>();
        all.add(pool.submit(new Numbered(0, 500)));
        for (int i = 1; i < 5; i++) {
            all.add(pool.submit(new Numbered(i, 0)));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).get(1, TimeUnit.SECONDS)).isEqualTo(i);
        }
    }

    @Test
    void tasksLargerThanTheWorkersReadBufferArriveWhole() throws Exception {
        // 64 KiB is the worker's read buffer: these frames are read partly from it and partly straight into the body
        try (TaskPool pool = solo(4).maxMessageSize(4 << 20).build()) {
            List<TaskFuture<byte[]>> all = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                byte[] data = new byte[i % 3 == 0 ? 10 : (1 << 20) + i * 4099];
                java.util.Arrays.fill(data, (byte) i);
                all.add(pool.submit(new Echo(data)));
            }
            for (int i = 0; i < all.size(); i++) {
                byte[] back = all.get(i).get(120, TimeUnit.SECONDS);
                assertThat(back).hasSize(i % 3 == 0 ? 10 : (1 << 20) + i * 4099).containsOnly((byte) i);
            }
        }
    }
}
