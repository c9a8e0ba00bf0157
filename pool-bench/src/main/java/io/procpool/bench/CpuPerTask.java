package io.procpool.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;

/**
 * CPU time per task, split by process and thread, on both sides: user + system time of every thread of this JVM
 * and of each worker ({@code /proc/PID/task/TID/stat}, clock ticks of 10 ms) before and after N tasks on 2 workers.
 * Sampling profilers see few samples on a loaded 2-core machine; these counts are exact to the tick.
 *
 * <pre>
 * java -cp "pool-bench/target/benchmarks.jar:pool-bench/target/lib/*" io.procpool.bench.CpuPerTask [N] [prefetch] [noop|echo4k]
 * </pre>
 */
public final class CpuPerTask {

    private static final double TICK_US = 10_000;  // USER_HZ is 100 on Linux

    private CpuPerTask() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int prefetch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        String workload = args.length > 2 ? args[2] : "noop";
        Task<?> task = switch (workload) {
            case "noop" -> new Tasks.Noop();
            case "echo4k" -> new Tasks.Echo(new byte[4096]);
            default -> throw new IllegalArgumentException("workload " + workload + ": noop or echo4k");
        };
        try (TaskPool pool = TaskPool.builder().name("cpu").workers(2).prefetch(prefetch)
                .queueCapacity(Math.max(n, 50_000)).maxQueuedBytes(1L << 40).build()) {
            run(pool, 50_000, task);  // warm-up
            Map<String, Long> before = ticks();
            long t0 = System.nanoTime();
            run(pool, n, task);
            double wall = (System.nanoTime() - t0) / 1e3;
            Map<String, Long> after = ticks();
            Map<String, Long> delta = new TreeMap<>();
            long total = 0;
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (d > 0) {
                    delta.merge(e.getKey(), d, Long::sum);
                    total += d;
                }
            }
            System.out.printf(Locale.ROOT, "%d %s tasks, prefetch %d, 2 workers: %.1f µs of wall time per task;"
                    + " CPU µs per task by process | thread%n", n, workload, prefetch, wall / n);
            for (Map.Entry<String, Long> e : delta.entrySet()) {
                System.out.printf(Locale.ROOT, "  %-44s %8.2f%n", e.getKey(), e.getValue() * TICK_US / n);
            }
            System.out.printf(Locale.ROOT, "  %-44s %8.2f%n", "all", total * TICK_US / n);
        }
    }

    /** Ticks of user + system time per "manager|thread" and "worker PID|thread" (thread names as the kernel has them). */
    private static Map<String, Long> ticks() throws IOException {
        Map<String, Long> m = new HashMap<>();
        add(m, "manager", ProcessHandle.current().pid());
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            add(m, "worker " + child.pid(), child.pid());
        }
        return m;
    }

    private static void add(Map<String, Long> m, String process, long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException gone) {
                    continue;  // the thread ended
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String name = stat.substring(open + 1, close).replaceAll("[0-9]+$", "");  // pool-1-thread-3 etc.
                String[] f = stat.substring(close + 2).split(" ");
                long cpu = Long.parseLong(f[11]) + Long.parseLong(f[12]);  // utime, stime: fields 14 and 15
                m.merge(process + " | " + name, cpu, Long::sum);
            }
        }
    }

    private static void run(TaskPool pool, int n, Task<?> task) throws Exception {
        List<TaskFuture<?>> fs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            fs.add(pool.submit(task));
        }
        for (TaskFuture<?> f : fs) {
            f.get(10, TimeUnit.MINUTES);
        }
    }
}
