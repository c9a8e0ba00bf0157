package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.TaskRejectedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of session 27: an answer schedules the dispatch pass (its worker's next task goes out) ahead of the turn's
 * completions. What callbacks of that answer may do with the pool still works: wait for the next task, see the pool
 * end after them, stop the pool and get back only what never ran.
 */
@ExtendWith(NoChildLeft.class)
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)  // a loop that waits for its call-out hangs
class DispatchBeforeCallbacksTest {

    /** Creates its marker file first thing (the proof that it ran), then sleeps. */
    record Mark(String file, long millis) implements Task<Integer> {
        @Override
        public Integer call() throws Exception {
            Files.createFile(Path.of(file));
            Thread.sleep(millis);
            return 1;
        }
    }

    @Test
    void aCallbackWaitsForTheNextTaskOfTheSameWorker() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("cbnext").workers(1).prefetch(0).build()) {
            for (int i = 0; i < 5; i++) {
                TaskFuture<Integer> first = pool.submit(new FaultTest.Sleep(200, 1));
                TaskFuture<Integer> second = pool.submit(new FaultTest.Sleep(20, 2));
                CompletableFuture<Integer> both = first.thenApply(v -> {
                    try {
                        return v + second.get(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                });
                assertThat(both.get(60, TimeUnit.SECONDS)).as("round " + i).isEqualTo(3);
            }
        }
    }

    @Test
    void theLastTasksCallbacksRunBeforeAwaitTerminationReturns() throws Exception {
        TaskPool pool = TaskPool.builder().name("cblast").workers(1).prefetch(0).build();
        try {
            AtomicReference<Throwable> lateSubmit = new AtomicReference<>();
            List<CompletableFuture<Integer>> callbacks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                callbacks.add(pool.submit(new FaultTest.Sleep(100, i)).thenApply(v -> {
                    try {
                        pool.submit(new FaultTest.Sleep(0, 9));  // the pool is draining: refused, never hangs
                    } catch (TaskRejectedException expected) {
                        lateSubmit.compareAndSet(null, expected);
                    }
                    return v;
                }));
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(callbacks).allMatch(CompletableFuture::isDone);
            assertThat(lateSubmit.get()).isInstanceOf(TaskRejectedException.class);
            for (int i = 0; i < 3; i++) {
                assertThat(callbacks.get(i).get()).isEqualTo(i);
            }
        } finally {
            pool.close();
        }
    }

    @Test
    void shutdownNowFromACallbackNeverReturnsATaskThatRan(@TempDir Path dir) throws Exception {
        for (int prefetch : new int[] {0, 2}) {
            TaskPool pool = TaskPool.builder().name("cbstop" + prefetch).workers(1).prefetch(prefetch).build();
            CompletableFuture<List<Task<?>>> returned = pool.submit(new FaultTest.Sleep(200, 0))
                    .thenApply(v -> pool.shutdownNow());
            List<Mark> later = new ArrayList<>();
            List<TaskFuture<Integer>> futures = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                Mark m = new Mark(dir.resolve(prefetch + "-" + i).toString(), 5_000);
                later.add(m);
                futures.add(pool.submit(m));
            }
            List<Task<?>> unstarted = returned.get(60, TimeUnit.SECONDS);
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(unstarted).doesNotHaveDuplicates().isSubsetOf(later);
            Set<Task<?>> ran = new HashSet<>();
            for (Mark m : later) {
                if (Files.exists(Path.of(m.file()))) {
                    ran.add(m);
                }
            }
            assertThat(ran).as("prefetch " + prefetch + ": tasks that ran").doesNotContainAnyElementsOf(unstarted);
            assertThat(futures).allMatch(CompletableFuture::isCancelled);
            pool.close();
        }
    }
}
