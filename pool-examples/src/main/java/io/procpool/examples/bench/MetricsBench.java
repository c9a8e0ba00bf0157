package io.procpool.examples.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;

/**
 * The throughput cost of metrics: no-op tasks on 2 workers (prefetch 16) with and without a Prometheus registry,
 * alternating runs so that both see the same machine.
 *
 * <pre>
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" \
 *     io.procpool.examples.bench.MetricsBench [tasks per run] [runs]
 * </pre>
 */
public final class MetricsBench {

    private MetricsBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (TaskPool plain = TaskPool.builder().name("plain").workers(2).prefetch(16).queueCapacity(100_000)
                     .maxQueuedBytes(1L << 40).build();
             TaskPool metered = TaskPool.builder().name("metered").workers(2).prefetch(16).queueCapacity(100_000)
                     .maxQueuedBytes(1L << 40).meterRegistry(registry).build()) {
            run(plain, 50_000);
            run(metered, 50_000);
            List<Double> off = new ArrayList<>();
            List<Double> on = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                off.add(run(plain, n));
                on.add(run(metered, n));
            }
            off.sort(null);
            on.sort(null);
            double mOff = off.get(runs / 2);
            double mOn = on.get(runs / 2);
            System.out.printf(Locale.ROOT, "no-op tasks/s, median of %d runs of %,d: metrics off %,.0f, on %,.0f:"
                    + " %.1f %% %s%n", runs, n, mOff, mOn, Math.abs(100 * (mOff - mOn) / mOff),
                    mOn <= mOff ? "slower" : "faster");
            System.out.println("off: " + off + "\non:  " + on);
        }
    }

    private static double run(TaskPool pool, int n) throws Exception {
        List<TaskFuture<Integer>> futures = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(() -> 0));
        }
        for (TaskFuture<Integer> f : futures) {
            f.get();
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }
}
