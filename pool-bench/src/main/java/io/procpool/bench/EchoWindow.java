package io.procpool.bench;

import java.util.Locale;
import java.util.stream.Stream;

import io.procpool.MapOptions;
import io.procpool.runtime.TaskPool;

/**
 * The 4 KiB echo as PHP's pcntl pool runs it: a bounded window of tasks in flight and each result dropped as it
 * comes ({@code TaskPool.map} with {@code inFlight}), on 2 workers, after 20,000 warm-up tasks. Beside
 * {@code PoolBench}'s echo (every task submitted, then every future joined: all payloads and results live at once),
 * it tells the pool's cost from the harness's heap. Prints one line in the peers' format.
 *
 * <pre>
 * java -cp "pool-bench/target/benchmarks.jar:pool-bench/target/lib/*" io.procpool.bench.EchoWindow [N] [prefetch] [window]
 * </pre>
 */
public final class EchoWindow {

    private EchoWindow() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int prefetch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int window = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        byte[] payload = new byte[4096];
        try (TaskPool pool = TaskPool.builder().name("window").workers(2).prefetch(prefetch).build()) {
            run(pool, 20_000, payload, window);
            long t0 = System.nanoTime();
            long ok = run(pool, n, payload, window);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "procpool-map-window%d echo4k %d %.3f %.0f ok=%d failed=%d%n", window, n,
                    seconds, n / seconds, ok, n - ok);
        }
    }

    private static long run(TaskPool pool, int n, byte[] payload, int window) {
        return pool.map(Stream.generate(() -> new Tasks.Echo(payload)).limit(n),
                MapOptions.DEFAULTS.unordered().inFlight(window)).filter(r -> r.length == payload.length).count();
    }
}
