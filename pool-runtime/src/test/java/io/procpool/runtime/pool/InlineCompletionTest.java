package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.Latches;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Quick callbacks run on the I/O thread that read the answer (no hand-off); one that blocks gets the I/O loop taken
 * over by a new thread, so the pool goes on; {@code -Dprocpool.inlineCompletions=false} keeps them all on the
 * completion threads. CallbacksTest holds the blocking cases that must not stall the pool.
 */
@ExtendWith(NoChildLeft.class)
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)  // a loop that waits for its call-out hangs
class InlineCompletionTest {

    private static FaultTest.Sleep sleep(long millis, int value) {
        return new FaultTest.Sleep(millis, value);
    }

    private static String callbackThread(TaskPool pool) throws Exception {
        // the task sleeps so that the callback is in place before the answer comes
        return pool.submit(sleep(200, 1)).thenApply(v -> Thread.currentThread().getName()).get(60, TimeUnit.SECONDS);
    }

    @Test
    void aQuickCallbackRunsOnTheIoThread() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("inl").workers(1).build()) {
            assertThat(callbackThread(pool)).isEqualTo("procpool-io-inl");
        }
    }

    @Test
    void theWorkersNextTaskGoesOutBeforeTheCallbacksOfItsLastAnswerRun() throws Exception {
        // at 1 in flight the worker waits for its next task while this turn's callbacks run: it must not wait for them
        try (TaskPool pool = TaskPool.builder().name("inlorder").workers(1).prefetch(0).build()) {
            for (int i = 0; i < 5; i++) {
                TaskFuture<Integer> first = pool.submit(sleep(200, 1));
                TaskFuture<Integer> second = pool.submit(sleep(0, 2));
                CompletableFuture<Integer> queuedInCallback = first.thenApply(v -> pool.stats().queued());
                assertThat(queuedInCallback.get(60, TimeUnit.SECONDS)).as("tasks still queued in round " + i).isZero();
                assertThat(second.get(60, TimeUnit.SECONDS)).isEqualTo(2);
            }
        }
    }

    @Test
    void thePropertyKeepsCallbacksOnTheCompletionThreads() throws Exception {
        String before = System.setProperty("procpool.inlineCompletions", "false");
        try (TaskPool pool = TaskPool.builder().name("noinl").workers(1).build()) {
            assertThat(callbackThread(pool)).startsWith("procpool-complete-noinl");
        } finally {
            if (before == null) {
                System.clearProperty("procpool.inlineCompletions");
            } else {
                System.setProperty("procpool.inlineCompletions", before);
            }
        }
    }

    @Test
    void aBlockedCallbackHandsTheIoLoopOverAndItsThreadLeavesOnceReleased() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("takeover").workers(2).build()) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch entered = new CountDownLatch(1);
            AtomicReference<Thread> blocked = new AtomicReference<>();
            CompletableFuture<Void> slow = pool.submit(sleep(200, 0)).thenAccept(v -> {
                blocked.set(Thread.currentThread());
                entered.countDown();
                Latches.await(release, 60);
            });
            assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
            // while it blocks, callbacks run on the completion threads (never two I/O threads running callbacks)
            assertThat(callbackThread(pool)).startsWith("procpool-complete-takeover");
            // the pool serves while the callback blocks
            List<TaskFuture<Integer>> more = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                more.add(pool.submit(sleep(0, i)));
            }
            for (int i = 0; i < 20; i++) {
                assertThat(more.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i);
            }
            assertThat(blocked.get().getName()).isEqualTo("procpool-io-takeover");
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .contains("procpool-io-takeover-2");
            release.countDown();
            slow.get(60, TimeUnit.SECONDS);
            blocked.get().join(30_000);
            assertThat(blocked.get().isAlive()).as("the blocked thread left the I/O loop").isFalse();
            assertThat(pool.submit(sleep(0, 7)).get(60, TimeUnit.SECONDS)).isEqualTo(7);
        }
    }

    @Test
    void shutdownNowFromACallbackReturnsTheTasksThatNeverStarted() throws Exception {
        TaskPool pool = TaskPool.builder().name("cbstop").workers(1).build();
        List<TaskFuture<Integer>> later = new ArrayList<>();
        CompletableFuture<List<io.procpool.Task<?>>> returned = pool.submit(sleep(200, 0))
                .thenApply(v -> pool.shutdownNow());
        for (int i = 1; i <= 4; i++) {
            later.add(pool.submit(sleep(5_000, i)));
        }
        List<io.procpool.Task<?>> unstarted = returned.get(60, TimeUnit.SECONDS);
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        // one of the four may have started (it is cancelled); the others come back, each once, their futures cancelled
        assertThat(unstarted).hasSizeBetween(3, 4).doesNotHaveDuplicates();
        for (TaskFuture<Integer> f : later) {
            assertThat(f).isDone();
        }
        long cancelled = later.stream().filter(CompletableFuture::isCancelled).count();
        assertThat(cancelled).isEqualTo(4);
        pool.close();
    }
}
