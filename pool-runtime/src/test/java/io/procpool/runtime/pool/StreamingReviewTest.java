package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.procpool.QueueFullPolicy;
import io.procpool.Task;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Review of issue 14: map's default bound on a pool that rejects when its queue is full; initializer edges. */
@ExtendWith(NoChildLeft.class)
class StreamingReviewTest {

    /**
     * The default bound counts the slots of maxWorkers (not yet started) and the queue: on a REJECT pool the burst of
     * submits that opens the stream lands in the queue before anything is dispatched, and map throws
     * TaskRejectedException on an otherwise idle pool.
     */
    @Test
    void mapWithDefaultOptionsIsNotRejectedByAnIdleRejectingPool() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("rejecting").minWorkers(1).maxWorkers(4).queueCapacity(1)
                .queueFullPolicy(QueueFullPolicy.REJECT).build()) {
            List<Task<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                tasks.add(new FaultTest.Sleep(20, i));
            }
            List<Integer> out = CompletableFuture.supplyAsync(() -> pool.map(tasks).collect(Collectors.toList()))
                    .get(120, TimeUnit.SECONDS);
            assertThat(out).hasSize(12);
        }
    }

    /**
     * The input fails (its iterator throws) with tasks in flight: the stream throws, and, as for a failed item, what
     * is in flight is cancelled, even when the caller did not close the stream (a plain {@code toList()}).
     */
    @Test
    void aFailingInputCancelsWhatIsInFlight() throws Exception {
        TaskPool pool = TaskPool.builder().name("badinput").workers(1).build();
        try {
            java.util.Iterator<Task<Integer>> input = new java.util.Iterator<>() {
                int n;

                @Override
                public boolean hasNext() {
                    return true;
                }

                @Override
                public Task<Integer> next() {
                    if (n == 2) {
                        throw new IllegalStateException("the input broke");
                    }
                    return new FaultTest.Sleep(600_000, n++);
                }
            };
            java.util.stream.Stream<Task<Integer>> tasks = java.util.stream.StreamSupport.stream(
                    java.util.Spliterators.spliteratorUnknownSize(input, 0), false);
            assertThatThrownBy(() -> pool.map(tasks, io.procpool.MapOptions.DEFAULTS.inFlight(3)).toList())
                    .hasMessageContaining("the input broke");
            // the one worker is free again: the two sleeping tasks were cancelled
            assertThat(pool.submit(new FaultTest.Sleep(0, 7)).get(30, TimeUnit.SECONDS)).isEqualTo(7);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    record Carry(byte[] payload) implements Task<Integer> {
        @Override
        public Integer call() {
            return payload.length;
        }
    }

    /** mapResults: a task over maxMessageSize cannot run, as an unserializable one: it fails its item alone. */
    @Test
    void mapResultsFailsAnOversizeTaskAsItsItemAlone() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("oversize").workers(1).maxMessageSize(4096).build()) {
            List<Carry> tasks = List.of(new Carry(new byte[10]), new Carry(new byte[100_000]), new Carry(new byte[20]));
            List<io.procpool.ItemResult<Carry, Integer>> out = CompletableFuture.supplyAsync(() -> pool.mapResults(
                    tasks.stream(), io.procpool.MapOptions.DEFAULTS).toList()).get(120, TimeUnit.SECONDS);
            assertThat(out).hasSize(3);
            assertThat(out.get(0).getOrThrow()).isEqualTo(10);
            assertThat(out.get(1).isSuccess()).isFalse();
            assertThat(out.get(1).error()).isInstanceOf(io.procpool.MessageTooLargeException.class);
            assertThat(out.get(2).getOrThrow()).isEqualTo(20);
        }
    }

    record Hang() implements Task<Object> {
        @Override
        public Object call() throws InterruptedException {
            Thread.sleep(600_000);
            return null;
        }
    }

    record Exit() implements Task<Object> {
        @Override
        public Object call() {
            System.exit(0);
            return null;
        }
    }

    @Test
    void anInitializerThatHangsFailsBuildWithinTheStartupTimeout() throws Exception {
        long t0 = System.nanoTime();
        CompletableFuture<TaskPool> build = CompletableFuture.supplyAsync(() -> TaskPool.builder().name("hanginit")
                .workers(1).startupTimeout(Duration.ofSeconds(5)).initializer(new Hang()).build());
        assertThatThrownBy(() -> build.get(120, TimeUnit.SECONDS)).hasRootCauseInstanceOf(
                io.procpool.PoolFailedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void anInitializerThatExitsFailsBuild() throws Exception {
        CompletableFuture<TaskPool> build = CompletableFuture.supplyAsync(() -> TaskPool.builder().name("exitinit")
                .workers(1).initializer(new Exit()).build());
        assertThatThrownBy(() -> build.get(120, TimeUnit.SECONDS)).hasRootCauseInstanceOf(
                io.procpool.PoolFailedException.class);
    }
}
