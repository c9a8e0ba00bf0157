package io.procpool.examples.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;

/**
 * TaskPool benchmark on 2 workers, the peers' workloads: no-op tasks submitted one by one, a 4 KiB payload
 * echoed, 400 tasks of 10 ms CPU; then worker start-up (build of a 1-worker pool) and idle worker RSS. One workload
 * of its own, {@code table} (2,000 tasks that each build a 100,000-entry map, after 200), weighs the workers' heap
 * settings: no peer script runs it.
 *
 * <pre>
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" io.procpool.examples.bench.PoolBench
 * </pre>
 *
 * <p>With {@code --workload} it runs one workload in a fresh pool and prints one line in the format of the peers'
 * scripts ({@code ../shared/bench}): {@code system workload tasks seconds tasks_per_s ok=N failed=0}, for
 * {@code bench/peers.sh}:
 *
 * <pre>
 * PoolBench --workload noop|echo4k|cpu|table [--prefetch 16] [--tasks 100000] [--warmup 20000] [--window N | --stream]
 *           [--queue N] [--cpu] [--worker-jvm-option OPT]...
 * </pre>
 *
 * <p>Three ways to feed the pool. Bulk (the default): every task is submitted first, with its future kept, and the
 * futures are joined in order after. {@code --window N}: at most N tasks outstanding, a submit waiting for a
 * completion. {@code --stream}: every task is submitted at once with a callback that counts it and lets its result go,
 * as the peers' loops do; the queue keeps the pool's default bound, so the submitter waits for room and neither the
 * encoded tasks nor the results pile up in the heap (bulk keeps every result to the end: 600 MB for 150,000 4 KiB
 * answers).
 *
 * <p>{@code --queue} sets queueCapacity (default: the number of tasks in bulk and window mode, with no bound in
 * bytes, so that bulk mode never waits for room; the pool's own defaults, 10,000 tasks and 2 MiB, with
 * {@code --stream}; a full queue makes submit wait). {@code --cpu} adds lines of CPU time
 * per task over the measured run: each thread of this JVM (the manager) and each worker process, in microseconds.
 *
 * <p>{@code --warmup} is 20,000 tasks of the workload by default; for {@code cpu}, which always warms up with 600
 * tasks of 2 ms, it adds that many no-op tasks before them (default none), so that the workers' per-task path is
 * compiled as in a long batch: 600 tasks leave it in the interpreter and C1.
 */
public final class PoolBench {

    private PoolBench() {
    }

    /** Returns nothing, does nothing. */
    record Noop() implements Task<Void> {
        @Override
        public Void call() {
            return null;
        }
    }

    /** Returns its payload. */
    record Echo(byte[] data) implements Task<byte[]> {
        @Override
        public byte[] call() {
            return data;
        }
    }

    /**
     * Allocates like a task that builds a table to compute one answer: a map of {@code entries} boxed keys to short
     * strings (some 10 MB for 100,000), all of it live until the task returns; returns the table's size.
     */
    record Table(int entries) implements Task<Integer> {
        @Override
        public Integer call() {
            java.util.Map<Integer, String> m = new java.util.HashMap<>();
            for (int i = 0; i < entries; i++) {
                m.put(i, "v" + i);
            }
            return m.size();
        }
    }

    /** Spins on the CPU for the given time. */
    record Spin(long nanos) implements Task<Long> {
        @Override
        public Long call() {
            long t0 = System.nanoTime();
            long x = 0;
            while (System.nanoTime() - t0 < nanos) {
                x += x * 31 + 7;
            }
            return x;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].startsWith("--")) {
            one(args);
            return;
        }
        int noops = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        System.out.printf(Locale.ROOT, "%-58s %12s%n", "workload (2 workers)", "result");
        for (int prefetch : new int[] {0, 16, 64}) {
            try (TaskPool pool = TaskPool.builder().name("bench").workers(2).prefetch(prefetch)
                    .queueCapacity(100_000).maxQueuedBytes(1L << 40).build()) {
                throughput(pool, 20_000, i -> new Noop());  // warm-up
                row("no-op, submit one by one, prefetch " + prefetch, throughput(pool, noops, i -> new Noop()), "tasks/s");
                byte[] payload = new byte[4096];
                throughput(pool, 20_000, i -> new Echo(payload));
                row("4 KiB echo, prefetch " + prefetch, throughput(pool, noops / 2, i -> new Echo(payload)), "tasks/s");
            }
        }
        try (TaskPool pool = TaskPool.builder().name("bench").workers(2).build()) {
            for (int i = 0; i < 3; i++) {
                throughput(pool, 200, n -> new Spin(TimeUnit.MILLISECONDS.toNanos(2)));  // warm-up, JIT
            }
            long t0 = System.nanoTime();
            List<TaskFuture<Long>> fs = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                fs.add(pool.submit(new Spin(TimeUnit.MILLISECONDS.toNanos(10))));
            }
            for (TaskFuture<Long> f : fs) {
                f.get();
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double ideal = 400 * 0.010 / 2;
            row("400 x 10 ms CPU: wall s (ideal " + ideal + ")", wall, "s");
            row("400 x 10 ms CPU: over the ideal 2x speed-up", (wall / ideal - 1) * 100, "%");
            long[] rss = ProcessHandle.current().children().mapToLong(PoolBench::rssKib).toArray();
            row("idle worker RSS (VmRSS, mean of " + rss.length + ")", Arrays.stream(rss).average().orElse(0) / 1024, "MiB");
        }
        long[] starts = new long[11];
        for (int i = 0; i < starts.length; i++) {
            long t0 = System.nanoTime();
            TaskPool pool = TaskPool.builder().name("start").workers(1).build();
            starts[i] = System.nanoTime() - t0;
            pool.close();
        }
        Arrays.sort(starts);
        row("worker start: build() of a 1-worker pool, median of 11", starts[5] / 1e6, "ms");
    }

    /** One workload, one fresh pool of 2 workers, one line of output (the peers' format). */
    private static void one(String[] args) throws Exception {
        String workload = null;
        int prefetch = 0;
        int tasks = -1;
        int warmup = -1;  // the default: 20,000 of the workload, none extra for cpu
        int window = 0;
        int queue = 0;
        boolean cpu = false;
        boolean stream = false;
        List<String> workerOptions = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--cpu")) {
                cpu = true;
                continue;
            }
            if (args[i].equals("--stream")) {
                stream = true;
                continue;
            }
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i++]) {
                case "--workload" -> workload = value;
                case "--prefetch" -> prefetch = Integer.parseInt(value);
                case "--tasks" -> tasks = Integer.parseInt(value);
                case "--warmup" -> warmup = Integer.parseInt(value);
                case "--window" -> window = Integer.parseInt(value);
                case "--queue" -> queue = Integer.parseInt(value);
                case "--worker-jvm-option" -> workerOptions.add(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1]
                        + " (--workload, --prefetch, --tasks, --warmup, --window, --stream, --queue, --cpu,"
                        + " --worker-jvm-option)");
            }
        }
        if (stream && window > 0) {
            throw new IllegalArgumentException("--stream and --window " + window + ": one way to feed the pool");
        }
        int feed = stream ? -1 : window;
        if (workload == null) {
            throw new IllegalArgumentException("--workload noop|echo4k|cpu|table is required");
        }
        byte[] payload = new byte[4096];
        Maker maker = switch (workload) {
            case "noop" -> i -> new Noop();
            case "echo4k" -> i -> new Echo(payload);
            case "cpu" -> i -> new Spin(TimeUnit.MILLISECONDS.toNanos(10));
            case "table" -> i -> new Table(100_000);
            default -> throw new IllegalArgumentException("--workload " + workload + ": noop, echo4k, cpu or table");
        };
        int n = tasks > 0 ? tasks : workload.equals("cpu") ? 400 : workload.equals("table") ? 2_000 : 100_000;
        if (warmup < 0) {
            warmup = workload.equals("cpu") ? 0 : workload.equals("table") ? 200 : 20_000;
        }
        int capacity = queue > 0 ? queue
                : stream ? io.procpool.runtime.PoolBuilder.DEFAULT_QUEUE_CAPACITY : Math.max(n, warmup);
        try (TaskPool pool = TaskPool.builder().name("bench").workers(2).prefetch(prefetch).queueCapacity(capacity)
                .maxQueuedBytes(stream ? io.procpool.runtime.PoolBuilder.DEFAULT_MAX_QUEUED_BYTES : 1L << 40)
                .addJvmOptions(workerOptions.toArray(String[]::new)).build()) {
            if (workload.equals("cpu")) {
                if (warmup > 0) {
                    throughput(pool, warmup, k -> new Noop());  // the per-task path, to C2
                }
                for (int i = 0; i < 3; i++) {
                    throughput(pool, 200, k -> new Spin(TimeUnit.MILLISECONDS.toNanos(2)));  // warm-up, JIT
                }
            } else if (warmup > 0) {
                throughput(pool, warmup, maker, feed);
            }
            java.util.Map<String, Long> before = cpu ? CpuTimes.snapshot() : null;
            long t0 = System.nanoTime();
            double perSecond = throughput(pool, n, maker, feed);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "procpool-prefetch%d%s%s %s %d %.3f %.0f ok=%d failed=0%n", prefetch,
                    window > 0 ? "-window" + window : stream ? "-stream" : "", queue > 0 ? "-queue" + queue : "",
                    workload, n, seconds, perSecond, n);
            if (cpu) {
                CpuTimes.print(before, CpuTimes.snapshot(), n);
            }
        }
    }

    interface Maker {
        Task<?> make(int i);
    }

    /**
     * With {@code window} above 0, at most that many tasks are outstanding at once (a submit waits for a completion),
     * as the peers' scripts keep a window per worker; with -1, every task is submitted at once, its result counted and
     * let go by a callback; with 0, every task is submitted first and joined after.
     */
    private static double throughput(TaskPool pool, int n, Maker maker, int window) throws Exception {
        if (window == 0) {
            return throughput(pool, n, maker);
        }
        // a stream's n permits never run out: one code path for both (its measured rows were taken with it)
        java.util.concurrent.Semaphore room = new java.util.concurrent.Semaphore(window > 0 ? window : n);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(n);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            room.acquire();
            pool.submit(maker.make(i)).whenComplete((v, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
                room.release();
                done.countDown();
            });
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(done.getCount() + " tasks still running after 10 min");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a task failed", failure.get());
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static double throughput(TaskPool pool, int n, Maker maker) throws Exception {
        List<TaskFuture<?>> fs = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            fs.add(pool.submit(maker.make(i)));
        }
        for (TaskFuture<?> f : fs) {
            f.get(10, TimeUnit.MINUTES);
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static long rssKib(ProcessHandle p) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException e) {
            return 0;
        }
        return 0;
    }

    private static void row(String name, double value, String unit) {
        System.out.printf(Locale.ROOT, "%-58s %12.1f %s%n", name, value, unit);
    }

}
