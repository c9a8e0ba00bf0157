package io.procpool.examples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;

/**
 * The peers' crash workload ({@code ../shared/bench/py_pool.py crash}, {@code pcntl_pool.php crash}): 1,000 no-op
 * tasks on 2 workers, every 100th kills its worker, {@code maxAttempts(1)}; exactly the 10 crashing tasks must fail.
 * Timed from the first submit to the last answer, the pool built and ready before (its workers' class-data sharing
 * archive recorded by a first, untimed round). Rounds alternate between the spare counts given.
 *
 * <pre>
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" io.procpool.examples.bench.CrashBench \
 *     [rounds, default 3] [variant ..., default 0 1]
 * </pre>
 *
 * <p>A variant is {@code spares[:maxSpares[:spareNice]][@java]}, e.g. {@code 1:4:10} or
 * {@code 1@/usr/lib/jvm/temurin-25-jdk-amd64/bin/java} (the workers' java; a JDK 25+ one records and maps an AOT
 * cache). Each java's archive is recorded by a first, untimed round.
 */
public final class CrashBench {

    private static final int TASKS = 1000;

    private CrashBench() {
    }

    /** Returns its number; the 100th, 200th, ... kill their worker instead, as Python's {@code os._exit(3)}. */
    record Crash(int i) implements Task<Integer> {
        @Override
        public Integer call() {
            if (i % 100 == 99) {
                Runtime.getRuntime().halt(3);
            }
            return i;
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String[] spares = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length) : new String[] {"0", "1"};
        Arrays.stream(spares).map(CrashBench::javaOf).distinct()
                .forEach(j -> {
                    try {
                        run("0@" + j);  // records the archive of that java
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        double[][] rates = new double[spares.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int s = 0; s < spares.length; s++) {
                rates[s][r] = run(spares[s]);
            }
        }
        System.out.printf(Locale.ROOT, "load average %s%n",
                java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
        for (int s = 0; s < spares.length; s++) {
            double[] x = rates[s].clone();
            Arrays.sort(x);
            System.out.printf(Locale.ROOT, "crash workload, 2 workers, spares %s: median %.0f tasks/s (runs %s),"
                    + " 10 of %d failed%n", spares[s], x[x.length / 2], Arrays.toString(rates[s]), TASKS);
        }
    }

    private static String javaOf(String variant) {
        int at = variant.indexOf('@');
        return at >= 0 ? variant.substring(at + 1)
                : java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static double run(String variant) throws Exception {
        int at = variant.indexOf('@');
        int[] v = Arrays.stream((at >= 0 ? variant.substring(0, at) : variant).split(":"))
                .mapToInt(Integer::parseInt).toArray();
        int spares = v[0];
        try (TaskPool pool = TaskPool.builder().name("crash").workers(2).javaCommand(javaOf(variant))
                .spares(spares, v.length > 1 ? v[1] : spares)
                .spareNice(v.length > 2 ? v[2] : 0).maxAttempts(1)
                .crashLoopLimit(100, java.time.Duration.ofMinutes(1)).build()) {
            while (pool.stats().spares() < spares) {
                Thread.onSpinWait();
            }
            long t0 = System.nanoTime();
            List<TaskFuture<Integer>> fs = new ArrayList<>(TASKS);
            for (int i = 0; i < TASKS; i++) {
                fs.add(pool.submit(new Crash(i)));
            }
            int failed = 0;
            for (TaskFuture<Integer> f : fs) {
                try {
                    f.get(5, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof WorkerCrashedException)) {
                        throw e;
                    }
                    failed++;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (failed != TASKS / 100) {
                throw new IllegalStateException("expected " + TASKS / 100 + " crashed tasks, got " + failed);
            }
            return Math.round(TASKS / seconds);
        }
    }
}
