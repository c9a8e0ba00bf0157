package io.procpool.examples.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolListener;
import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.WorkerInfo;
import io.procpool.runtime.TaskPool;

/**
 * Speed of recovery: (1) a task that kills its worker on attempt 1, from submit to the retried result, with and
 * without a warm spare; (2) 1,000 tasks of 10 ms CPU on 2 workers, 1 % of them killing their worker every time
 * (exit 3), against the same run without crashes.
 *
 * <pre>
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" io.procpool.examples.bench.RecoveryBench \
 *     [/tmp/procpool_worker]   (the compiled C reference worker: adds the batch on C workers)
 * </pre>
 */
public final class RecoveryBench {

    private RecoveryBench() {
    }

    /** Kills its worker on the first attempt, then succeeds. */
    record CrashOnce() implements Task<Integer> {
        @Override
        public Integer call() {
            if (TaskContext.current().attempt() == 1) {
                Runtime.getRuntime().halt(3);
            }
            return 1;
        }
    }

    /** 10 ms of CPU; with {@code crash}, kills its worker instead. */
    record Work(boolean crash) implements Task<Integer> {
        @Override
        public Integer call() {
            if (crash) {
                Runtime.getRuntime().halt(3);
            }
            long t0 = System.nanoTime();
            long x = 0;
            while (System.nanoTime() - t0 < 10_000_000) {
                x += x * 31 + 7;
            }
            return (int) x;
        }
    }

    public static void main(String[] args) throws Exception {
        for (int spares : new int[] {0, 1}) {
            // crash -> replacement serving: from the crashed worker's exit to the retry being sent to its replacement
            List<Long> handover = java.util.Collections.synchronizedList(new ArrayList<>());
            long[] exitAt = new long[1];
            PoolListener timing = new PoolListener() {
                @Override
                public void workerExited(WorkerInfo worker, ExitStatus status, ExitReason reason) {
                    exitAt[0] = System.nanoTime();
                }

                @Override
                public void taskStarted(long taskId, String workerId, int attempt, Duration queueWait) {
                    if (attempt == 2) {
                        handover.add(System.nanoTime() - exitAt[0]);
                    }
                }
            };
            try (TaskPool pool = TaskPool.builder().name("recovery").workers(1).spares(spares).listener(timing)
                    .build()) {
                long[] t = new long[21];
                for (int i = 0; i < t.length; i++) {
                    while (pool.stats().spares() < spares || pool.stats().idle() < 1) {
                        Thread.onSpinWait();  // the spare (or the replacement) is ready again
                    }
                    long t0 = System.nanoTime();
                    pool.submit(new CrashOnce()).get(60, TimeUnit.SECONDS);
                    t[i] = System.nanoTime() - t0;
                }
                Arrays.sort(t);
                System.out.printf(Locale.ROOT, "crash -> retried result, %d spare(s): median %.1f ms, p99 (max of 21) %.1f ms%n",
                        spares, t[10] / 1e6, t[20] / 1e6);
                List<Long> h = new ArrayList<>(handover);
                h.sort(null);
                System.out.printf(Locale.ROOT, "crash -> replacement ready (retry sent to it), %d spare(s): median %.2f ms,"
                        + " p99 (max of %d) %.2f ms%n", spares, h.get(h.size() / 2) / 1e6, h.size(),
                        h.get(h.size() - 1) / 1e6);
            }
        }
        if (args.length > 0) {  // the path of the compiled C reference worker
            for (int spares : new int[] {0, 1}) {
                double clean = execBatch(args[0], spares, false);
                double crashing = execBatch(args[0], spares, true);
                System.out.printf(Locale.ROOT, "C workers: 1,000 x 10 ms on 2 workers, %d spare(s): %.2f s clean, %.2f s"
                        + " with 1 %% crashing tasks: %+.1f %%%n", spares, clean, crashing, (crashing / clean - 1) * 100);
            }
        }
        for (int spares : new int[] {0, 1}) {
            double clean = batch(spares, false);
            double crashing = batch(spares, true);
            System.out.printf(Locale.ROOT, "1,000 x 10 ms on 2 workers, %d spare(s): %.2f s clean, %.2f s with 1 %% crashing"
                    + " tasks: %+.1f %%%n", spares, clean, crashing, (crashing / clean - 1) * 100);
        }
    }

    /** The same batch on C workers (ExecPool): tasks {@code spin 10000 ok}, the crashing ones {@code exit 3}. */
    private static double execBatch(String cWorker, int spares, boolean crashes) throws Exception {
        try (io.procpool.runtime.ExecPool<String, String> pool = io.procpool.runtime.ExecPool
                .builder(io.procpool.Codec.utf8(), io.procpool.Codec.utf8()).name("cbatch").command(cWorker)
                .workers(2).spares(spares).maxAttempts(2).build()) {
            while (pool.stats().spares() < spares) {
                Thread.onSpinWait();
            }
            long t0 = System.nanoTime();
            List<TaskFuture<String>> fs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                fs.add(pool.submit(crashes && i % 100 == 50 ? "exit 3" : "spin 10000 ok"));
            }
            int failed = 0;
            for (TaskFuture<String> f : fs) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failed++;
                }
            }
            if (failed != (crashes ? 10 : 0)) {
                throw new IllegalStateException("expected " + (crashes ? 10 : 0) + " crashed tasks, got " + failed);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static double batch(int spares, boolean crashes) throws Exception {
        try (TaskPool pool = TaskPool.builder().name("batch").workers(2).spares(spares).maxAttempts(2).build()) {
            while (pool.stats().spares() < spares) {
                Thread.onSpinWait();
            }
            long t0 = System.nanoTime();
            List<TaskFuture<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                fs.add(pool.submit(new Work(crashes && i % 100 == 50)));
            }
            int failed = 0;
            for (TaskFuture<Integer> f : fs) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof WorkerCrashedException)) {
                        throw e;
                    }
                    failed++;
                }
            }
            if (failed != (crashes ? 10 : 0)) {
                throw new IllegalStateException("expected " + (crashes ? 10 : 0) + " crashed tasks, got " + failed);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
