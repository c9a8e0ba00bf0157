package io.procpool.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;

/**
 * Bytes the manager JVM allocates per task (a no-op, or a 4 KiB payload echoed), split by thread: {@code ThreadMXBean.getThreadAllocatedBytes} of
 * every live thread before and after N tasks on 2 workers (submitted from the main thread, every future joined). The
 * main thread's share includes the task object, its body, the future and the list that keeps the futures.
 *
 * <pre>
 * java -cp "pool-bench/target/benchmarks.jar:pool-bench/target/lib/*" io.procpool.bench.AllocationPerTask [N] [prefetch] [noop|echo4k]
 * </pre>
 */
public final class AllocationPerTask {

    private AllocationPerTask() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int prefetch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        String workload = args.length > 2 ? args[2] : "noop";
        io.procpool.Task<?> task = switch (workload) {
            case "noop" -> new Tasks.Noop();
            case "echo4k" -> new Tasks.Echo(new byte[4096]);
            default -> throw new IllegalArgumentException("workload " + workload + ": noop or echo4k");
        };
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TaskPool pool = TaskPool.builder().name("alloc").workers(2).prefetch(prefetch)
                .queueCapacity(Math.max(n, 50_000)).maxQueuedBytes(1L << 40).build()) {
            run(pool, 50_000, task);  // warm-up: JIT, buffers at their size
            Map<Long, Long> before = snapshot(mx);
            List<TaskFuture<?>> fs = run(pool, n, task);
            Map<Long, Long> after = snapshot(mx);
            fs.clear();
            Map<String, Long> byName = new TreeMap<>();
            long total = 0;
            for (Map.Entry<Long, Long> e : after.entrySet()) {
                long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (delta <= 0) {
                    continue;
                }
                java.lang.management.ThreadInfo info = mx.getThreadInfo(e.getKey());
                String name = info == null ? "(ended) #" + e.getKey() : info.getThreadName();
                byName.merge(name, delta, Long::sum);
                total += delta;
            }
            System.out.printf(Locale.ROOT, "%d %s tasks, prefetch %d, 2 workers: bytes allocated per task%n", n,
                    workload, prefetch);
            for (Map.Entry<String, Long> e : byName.entrySet()) {
                System.out.printf(Locale.ROOT, "  %-40s %10.1f%n", e.getKey(), (double) e.getValue() / n);
            }
            System.out.printf(Locale.ROOT, "  %-40s %10.1f%n", "all threads", (double) total / n);
            long ended = before.keySet().stream().filter(id -> !after.containsKey(id)).count();
            System.out.printf(Locale.ROOT, "  (%d threads ended during the run; what they allocated is not counted)%n",
                    ended);
        }
    }

    private static List<TaskFuture<?>> run(TaskPool pool, int n, io.procpool.Task<?> task) throws Exception {
        List<TaskFuture<?>> fs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            fs.add(pool.submit(task));
        }
        for (TaskFuture<?> f : fs) {
            f.get(10, TimeUnit.MINUTES);
        }
        return fs;
    }

    private static Map<Long, Long> snapshot(com.sun.management.ThreadMXBean mx) {
        long[] ids = mx.getAllThreadIds();
        long[] bytes = mx.getThreadAllocatedBytes(ids);
        Map<Long, Long> m = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                m.put(ids[i], bytes[i]);
            }
        }
        return m;
    }
}
