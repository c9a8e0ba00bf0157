package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.procpool.Codec;
import io.procpool.ItemResult;
import io.procpool.MapOptions;
import io.procpool.Task;
import io.procpool.TaskFailedException;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Streaming batches: map in input order or as completed, bounded in flight, failures as the caller chooses. */
@ExtendWith(NoChildLeft.class)
class StreamingTest {

    record Square(int i) implements Task<Long> {
        @Override
        public Long call() {
            return (long) i * i;
        }
    }

    record FailAt(int i, int bad) implements Task<Integer> {
        @Override
        public Integer call() {
            if (i == bad) {
                throw new IllegalStateException("item " + i + " is bad");
            }
            return i;
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void aMillionItemsStreamInOrderInConstantMemory() {
        int n = 1_000_000;
        try (TaskPool pool = TaskPool.builder().name("million").workers(2).prefetch(16).build()) {
            AtomicInteger submitted = new AtomicInteger();
            Stream<Square> tasks = IntStream.range(0, n).peek(i -> submitted.incrementAndGet()).mapToObj(Square::new);
            long[] heap = new long[2];
            int[] maxAhead = new int[1];
            long expected = 0;
            Iterator<Long> results = pool.map(tasks).iterator();
            for (int i = 0; i < n; i++) {
                long r = results.next();
                assertThat(r).as("result %d, in input order", i).isEqualTo((long) i * i);
                maxAhead[0] = Math.max(maxAhead[0], submitted.get() - i);
                if (i == 100_000) {
                    heap[0] = usedHeapAfterGc();
                } else if (i == n - 1) {
                    heap[1] = usedHeapAfterGc();
                }
                expected++;
            }
            assertThat(results.hasNext()).isFalse();
            assertThat(expected).isEqualTo(n);
            // the input is read as results are taken: never more than the in-flight bound ahead
            assertThat(maxAhead[0]).isLessThanOrEqualTo(2 * 2 * (1 + 16) + 1);
            // 900,000 items later the heap holds what it held (a list of a million futures would be > 100 MiB)
            assertThat(heap[1] - heap[0]).as("heap growth over 900,000 items, bytes").isLessThan(16L << 20);
            System.out.printf("map of %,d items: heap after GC %,d KiB at item 100,000, %,d KiB at the end%n",
                    n, heap[0] >> 10, heap[1] >> 10);
        }
    }

    @Test
    void unorderedGivesEveryResultOnceAsTheyComplete() {
        try (TaskPool pool = TaskPool.builder().name("unordered").workers(2).build()) {
            // the first item is slow: in input order everything waits for it; as completed it comes last
            List<Task<Integer>> tasks = new ArrayList<>();
            tasks.add(new FaultTest.Sleep(1500, 0));
            for (int i = 1; i < 200; i++) {
                tasks.add(new FaultTest.Sleep(0, i));
            }
            List<Integer> got = pool.map(tasks.stream(), MapOptions.DEFAULTS.unordered().inFlight(8))
                    .collect(Collectors.toList());
            assertThat(got).hasSize(200);
            assertThat(new HashSet<>(got)).hasSize(200).containsAll(IntStream.range(0, 200).boxed().toList());
            assertThat(got.get(0)).isNotEqualTo(0);  // item 0 held back nobody
        }
    }

    @Test
    void aFailureIsThrownAtItsItemOrCarriedAsAValue() {
        try (TaskPool pool = TaskPool.builder().name("failing").workers(2).build()) {
            List<Integer> before = new ArrayList<>();
            assertThatThrownBy(() -> pool.map(IntStream.range(0, 100).mapToObj(i -> new FailAt(i, 37)))
                    .forEach(before::add))
                    .isInstanceOf(TaskFailedException.class).hasMessageContaining("item 37 is bad");
            assertThat(before).containsExactlyElementsOf(IntStream.range(0, 37).boxed().toList());

            List<ItemResult<FailAt, Integer>> all = pool.mapResults(
                    IntStream.range(0, 100).mapToObj(i -> new FailAt(i, 37)), MapOptions.DEFAULTS.inFlight(5))
                    .collect(Collectors.toList());
            assertThat(all).hasSize(100);
            for (ItemResult<FailAt, Integer> r : all) {
                assertThat(r.item().i()).isEqualTo((int) r.index());
                if (r.index() == 37) {
                    assertThat(r.isSuccess()).isFalse();
                    assertThat(r.error()).isInstanceOf(TaskFailedException.class);
                    assertThatThrownBy(r::getOrThrow).isSameAs(r.error());
                } else {
                    assertThat(r.value()).isEqualTo((int) r.index());
                }
            }
            // the pool served on: nothing stayed in flight
            assertThat(pool.submit(new FaultTest.Sleep(0, 5)).join()).isEqualTo(5);
        }
    }

    @Test
    void closingTheStreamEarlyCancelsWhatIsInFlight() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("early").workers(1).build()) {
            List<Integer> firstTwo;
            try (Stream<Integer> s = pool.map(IntStream.range(0, 1000).mapToObj(i -> new FaultTest.Sleep(50, i)),
                    MapOptions.DEFAULTS.inFlight(10))) {
                firstTwo = s.limit(2).collect(Collectors.toList());
            }
            assertThat(firstTwo).containsExactly(0, 1);
            // the eight left in flight were cancelled: the pool is free at once, far from 1,000 × 50 ms
            assertThat(pool.submit(new FaultTest.Sleep(0, 9)).get(30, TimeUnit.SECONDS)).isEqualTo(9);
            assertThat(pool.stats().queued()).isZero();
        }
    }

    @Test
    void execPoolStreamsItsInputsToo() {
        try (ExecPool<String, String> pool = ExecPool.builder(Codec.utf8(), Codec.utf8()).name("execmap")
                .command(TestPrograms.cWorker().toString()).workers(2).prefetch(4).build()) {
            Iterator<String> inputs = IntStream.range(0, 20_000).mapToObj(i -> "echo " + i).iterator();
            List<String> out = pool.map(inputs).collect(Collectors.toList());
            assertThat(out).containsExactlyElementsOf(IntStream.range(0, 20_000).mapToObj(Integer::toString).toList());

            Set<String> unordered = pool.map(Stream.of("upper a", "upper b", "upper c"),
                    MapOptions.DEFAULTS.unordered()).collect(Collectors.toSet());
            assertThat(unordered).containsExactlyInAnyOrder("A", "B", "C");

            List<ItemResult<String, String>> results = pool.mapResults(Stream.of("echo x", "fail boom", "echo y"),
                    MapOptions.DEFAULTS).collect(Collectors.toList());
            assertThat(results.get(0).value()).isEqualTo("x");
            assertThat(results.get(1).error()).isInstanceOf(TaskFailedException.class).hasMessageContaining("boom");
            assertThat(results.get(2).value()).isEqualTo("y");
        }
    }

    @Test
    void badOptionsAreRefusedWithTheirValue() {
        assertThatThrownBy(() -> MapOptions.DEFAULTS.inFlight(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inFlight").hasMessageContaining("0");
        assertThatThrownBy(() -> new MapOptions(true, -3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-3");
    }
}
