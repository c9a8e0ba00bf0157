package io.procpool.examples.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import io.procpool.Codec;
import io.procpool.PoolListener;
import io.procpool.TaskFuture;
import io.procpool.WorkerInfo;
import io.procpool.runtime.ExecPool;

/**
 * JVM-free workers: tasks/s of 16-byte echoes on 2 workers, and spawn-to-ready of one worker, for the reference
 * workers (C and Python in protocol mode, sh in line mode).
 *
 * <pre>
 * cc -O2 -o /tmp/procpool_worker pool-examples/src/main/workers/c/procpool_worker.c
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" \
 *     io.procpool.examples.bench.ExecBench /tmp/procpool_worker pool-examples/src/main/workers
 * </pre>
 */
public final class ExecBench {

    private ExecBench() {
    }

    public static void main(String[] args) throws Exception {
        String cWorker = args.length > 0 ? args[0] : "/tmp/procpool_worker";
        Path workers = Path.of(args.length > 1 ? args[1] : "pool-examples/src/main/workers");
        List<String> c = List.of(cWorker);
        // the interpreter itself: a version manager's shim on PATH (pyenv's is a bash script) costs ~100 ms a start
        String python = java.nio.file.Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        List<String> py = List.of(python, "-S", workers.resolve("python/procpool_worker.py").toString());
        List<String> sh = List.of("sh", workers.resolve("shell/line_worker.sh").toString());
        System.out.printf(Locale.ROOT, "%-52s %12s%n", "workload (2 workers, 16 B echo)", "result");
        for (int prefetch : new int[] {0, 16}) {
            row("C, protocol mode, prefetch " + prefetch, throughput(c, false, prefetch, 200_000), "tasks/s");
            row("Python, protocol mode, prefetch " + prefetch, throughput(py, false, prefetch, 100_000), "tasks/s");
            row("sh (dash), line mode, prefetch " + prefetch, throughput(sh, true, prefetch, 50_000), "tasks/s");
        }
        row("C worker spawn to ready (HELLO), median of 200", startup(c, false, 200), "ms");
        row("Python worker spawn to ready (HELLO), median of 50", startup(py, false, 50), "ms");
    }

    private static ExecPool.Builder<String, String> pool(List<String> command, boolean lines) {
        ExecPool.Builder<String, String> b = ExecPool.builder(Codec.utf8(), Codec.utf8()).name("bench")
                .command(command).queueCapacity(300_000).maxQueuedBytes(1L << 40);  // all queued first
        return lines ? b.lineMode() : b;
    }

    private static double throughput(List<String> command, boolean lines, int prefetch, int n) throws Exception {
        try (ExecPool<String, String> pool = pool(command, lines).workers(2).prefetch(prefetch).build()) {
            run(pool, n / 10);
            return run(pool, n);
        }
    }

    private static double run(ExecPool<String, String> pool, int n) throws Exception {
        List<TaskFuture<String>> futures = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit("echo 0123456789ab"));
        }
        for (TaskFuture<String> f : futures) {
            f.get();
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static double startup(List<String> command, boolean lines, int n) {
        List<Double> ms = Collections.synchronizedList(new ArrayList<>());
        PoolListener timing = new PoolListener() {
            @Override
            public void workerReady(WorkerInfo worker, Duration startup) {
                ms.add(startup.toNanos() / 1e6);
            }
        };
        for (int i = 0; i < n; i++) {
            try (ExecPool<String, String> pool = pool(command, lines).workers(1).listener(timing).build()) {
                pool.stats();
            }
        }
        List<Double> sorted = new ArrayList<>(ms);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    private static void row(String name, double value, String unit) {
        System.out.printf(Locale.ROOT, "%-52s %,12.1f %s%n", name, value, unit);
    }
}
