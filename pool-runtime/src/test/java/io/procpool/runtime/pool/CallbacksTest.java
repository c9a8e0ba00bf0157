package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * User code attached to a task's future never stalls the pool: a callback that blocks (a slow one, a get() of
 * another task's future, an allOf over them, a blocking progress listener) leaves the other tasks completing.
 * Each test would hang until its 30 s bound on a pool with one completion thread that user code can block.
 */
@ExtendWith(NoChildLeft.class)
class CallbacksTest {

    private static Task<Integer> sleep(long millis, int value) {
        return new FaultTest.Sleep(millis, value);
    }

    /** After {@code delayMillis} (for the caller's listener to be in place), emits {@code count} numbered events. */
    record Steps(long delayMillis, int count) implements Task<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            Thread.sleep(delayMillis);
            for (int i = 0; i < count; i++) {
                TaskContext.current().emit(i);
            }
            return count;
        }
    }

    @Test
    void aBlockedCallbackDoesNotDelayTheOtherTasks() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("slowcb").workers(2).build()) {
            CountDownLatch othersDone = new CountDownLatch(10);
            AtomicBoolean sawThemDone = new AtomicBoolean();
            CompletableFuture<Void> slow = pool.submit(sleep(0, 1)).thenAccept(v -> {
                try {  // blocks its thread until ten tasks submitted after it have completed
                    sawThemDone.set(othersDone.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            List<TaskFuture<Integer>> others = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                TaskFuture<Integer> f = pool.submit(sleep(20, i));
                f.whenComplete((v, e) -> othersDone.countDown());
                others.add(f);
            }
            slow.get(60, TimeUnit.SECONDS);
            assertThat(sawThemDone).isTrue();
            for (int i = 0; i < 10; i++) {
                assertThat(others.get(i).get(1, TimeUnit.SECONDS)).isEqualTo(i);
            }
        }
    }

    private static int within30s(TaskFuture<Integer> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("a get() in a callback did not complete", e);
        }
    }

    @Test
    void aNestedGetInACallbackCompletes() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("nested").workers(2).build()) {
            TaskFuture<Integer> first = pool.submit(sleep(0, 1));
            TaskFuture<Integer> second = pool.submit(sleep(300, 2));
            CompletableFuture<Integer> sum = first.thenApply(a -> a + within30s(second));
            CompletableFuture<Integer> both = CompletableFuture.allOf(first)
                    .thenApply(v -> first.join() * 10 + within30s(second));
            assertThat(sum.get(60, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(both.get(60, TimeUnit.SECONDS)).isEqualTo(12);
            // the pool still serves, and closes (the blocked threads were released)
            assertThat(pool.submit(sleep(0, 7)).get(60, TimeUnit.SECONDS)).isEqualTo(7);
        }
    }

    @Test
    void aBlockingEventListenerKeepsItsTasksEventsInOrderAndBlocksNoOtherTask() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("events").workers(2).build()) {
            CountDownLatch otherDone = new CountDownLatch(1);
            List<Object> seen = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean sawOtherDone = new AtomicBoolean();
            TaskFuture<Integer> steps = pool.submit(new Steps(300, 50));
            steps.onEvent(e -> {
                if (Integer.valueOf(0).equals(e)) {  // the first event waits for another task to complete
                    try {
                        sawOtherDone.set(otherDone.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                    }
                }
                seen.add(e);
            });
            CompletableFuture<Boolean> completedAfterEvents = steps.thenApply(v -> seen.size() == 50);
            TaskFuture<Integer> other = pool.submit(sleep(1000, 9));  // ends while the listener blocks
            other.whenComplete((v, e) -> otherDone.countDown());
            assertThat(other.get(60, TimeUnit.SECONDS)).isEqualTo(9);
            assertThat(steps.get(60, TimeUnit.SECONDS)).isEqualTo(50);
            assertThat(sawOtherDone).isTrue();
            List<Object> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                expected.add(i);
            }
            // every event, in order, all of them before the task's completion
            assertThat(completedAfterEvents.get(60, TimeUnit.SECONDS)).isTrue();
            assertThat(seen).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void closeFromACallbackShutsThePoolDownWithoutWaitingForItself() throws Exception {
        TaskPool pool = TaskPool.builder().name("selfclose").workers(1).build();
        CompletableFuture<Void> closed = pool.submit(sleep(0, 1)).thenRun(pool::close);
        closed.get(60, TimeUnit.SECONDS);
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
}
