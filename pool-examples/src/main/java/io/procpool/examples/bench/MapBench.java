package io.procpool.examples.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import io.procpool.MapOptions;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;

/**
 * {@code map} next to a hand-written submit loop on the same workload (no-op tasks, 2 workers, prefetch 16), in
 * interleaved rounds: the loop that submits everything and then joins (memory grows with the batch), {@code map} in
 * input order and as completed (bounded in flight). Also the host heap after the run.
 *
 * <pre>
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" io.procpool.examples.bench.MapBench 200000 3
 * java -Xmx64m -cp ... io.procpool.examples.bench.MapBench 1000000 1 map-only
 * </pre>
 */
public final class MapBench {

    private MapBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean mapOnly = args.length > 2 && args[2].equals("map-only");  // e.g. on a heap the loop cannot fit
        try (TaskPool pool = TaskPool.builder().name("mapbench").workers(2).prefetch(16).queueCapacity(n)
                .maxQueuedBytes(1L << 40).build()) {  // the hand-written loop queues every task first
            if (!mapOnly) {
                loop(pool, 20_000);  // warm-up of both paths
            }
            map(pool, 20_000, MapOptions.DEFAULTS);
            for (int r = 1; r <= rounds; r++) {
                if (!mapOnly) {
                    row(r, "submit loop, then join each", n, loop(pool, n));
                }
                row(r, "map, input order", n, map(pool, n, MapOptions.DEFAULTS));
                row(r, "map, as completed", n, map(pool, n, MapOptions.DEFAULTS.unordered()));
            }
        }
    }

    private static long loop(TaskPool pool, int n) {
        long t0 = System.nanoTime();
        List<TaskFuture<Void>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(new PoolBench.Noop()));
        }
        for (TaskFuture<Void> f : futures) {
            f.join();
        }
        return System.nanoTime() - t0;
    }

    private static long map(TaskPool pool, int n, MapOptions options) {
        long t0 = System.nanoTime();
        long count = pool.map(IntStream.range(0, n).mapToObj(i -> new PoolBench.Noop()), options).count();
        if (count != n) {
            throw new IllegalStateException(count + " results of " + n);
        }
        return System.nanoTime() - t0;
    }

    private static void row(int round, String what, int n, long nanos) {
        System.out.printf(Locale.ROOT, "round %d  %-30s %,10.0f tasks/s%n", round, what, n / (nanos / 1e9));
    }
}
