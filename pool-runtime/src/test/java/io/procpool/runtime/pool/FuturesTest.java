package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.procpool.Task;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Task futures and batches with the meanings a java.util.concurrent user expects. */
@ExtendWith(NoChildLeft.class)
class FuturesTest {

    private static Task<Integer> sleep(long millis, int value) {
        return new FaultTest.Sleep(millis, value);
    }

    record Fail(String why) implements Task<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException(why);
        }
    }

    @Test
    void onlyThePoolDecidesATasksOutcome() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("owned").workers(1).build()) {
            TaskFuture<Integer> f = pool.submit(sleep(300, 5));
            assertThatThrownBy(() -> f.complete(1)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("decided by its pool");
            assertThatThrownBy(() -> f.completeExceptionally(new RuntimeException()))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> f.obtrudeValue(1)).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> f.obtrudeException(new RuntimeException()))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> f.completeAsync(() -> 1)).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> f.completeOnTimeout(1, 1, TimeUnit.SECONDS))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("orTimeout");
            CompletableFuture<Integer> mine = f.thenApply(x -> x * 2);
            assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(5);
            assertThat(mine.get(60, TimeUnit.SECONDS)).isEqualTo(10);
        }
    }

    @Test
    void orTimeoutStopsTheTaskAndTheWorkerServesOn() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("late").workers(1).build()) {
            TaskFuture<Integer> slow = pool.submit(sleep(60_000, 1)).orTimeout(300, TimeUnit.MILLISECONDS);
            assertThatThrownBy(() -> slow.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TimeoutException.class).hasMessageContaining("orTimeout");
            // the sleep was interrupted in its worker, which answers the next task at once (no 60 s wait)
            assertThat(pool.submit(sleep(0, 2)).get(30, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void invokeAllWaitsForEveryTaskAndInvokeAnyTakesTheFirstSuccess() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("batch").workers(2).build()) {
            List<TaskFuture<Integer>> all = pool.invokeAll(List.of(sleep(200, 1), new Fail("no"), sleep(100, 3)));
            assertThat(all).allMatch(CompletableFuture::isDone);
            assertThat(all.get(0).join()).isEqualTo(1);
            assertThat(all.get(1)).isCompletedExceptionally();
            assertThat(all.get(2).join()).isEqualTo(3);

            List<TaskFuture<Integer>> late = pool.invokeAll(List.of(sleep(0, 1), sleep(60_000, 2)),
                    Duration.ofMillis(500));
            assertThat(late.get(0).join()).isEqualTo(1);
            assertThat(late.get(1).isCancelled()).isTrue();

            assertThat(pool.invokeAny(List.of(new Fail("a"), sleep(100, 7)))).isEqualTo(7);
            assertThatThrownBy(() -> pool.invokeAny(List.<Task<Integer>>of(new Fail("a"), new Fail("b"))))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TaskFailedException.class);
            assertThatThrownBy(() -> pool.invokeAny(List.of(sleep(60_000, 1)), Duration.ofMillis(200)))
                    .isInstanceOf(TimeoutException.class);
            assertThat(pool.submitAll(List.of(sleep(0, 4))).get(0).get(30, TimeUnit.SECONDS)).isEqualTo(4);
            pool.shutdown();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
    }
}
