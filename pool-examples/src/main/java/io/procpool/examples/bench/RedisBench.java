package io.procpool.examples.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.redis.RedisClients;
import io.procpool.redis.RedisNode;
import io.procpool.redis.RedisSubmitter;
import io.procpool.runtime.TaskPool;

/**
 * Scale-out on Redis Streams: one submitter and {@code nodes} node pools (2 worker JVMs each, in this JVM) drain one
 * stream of no-op tasks, then of 4 KiB echoes; prints tasks/s end to end and the Redis commands per task (INFO
 * commandstats, reset before each run) and the CPU each task cost by process ({@link CpuMeter}). Needs a
 * redis-server: args URI [tasks] [nodes] [prefetch] [workloads: noop,echo4k] [warm-up tasks: 5000] [the submitter's
 * maxOutstanding: 20000]. The JIT needs far more than 5,000 tasks on 2 busy cores (C2 is busy for some 30 seconds:
 * Lettuce, Netty and Kryo are much code): with 120,000 no-op tasks the JIT still compiled 13–37 µs per measured
 * task's worth on a busy machine, with 300,000 (and a quarter as many 4 KiB ones) 1–8; docs/benchmarks.md's latest
 * runs warm up with 300,000. With G1's default sizing the heap shrinks and grows under
 * load, and the JVM then spends a large share of its CPU in collections and page faults: docs/benchmarks.md compares
 * runs with {@code -Xms1g -Xmx1g -XX:+AlwaysPreTouch}.
 *
 * <pre>
 * redis-server --port 6390 --save '' --appendonly no &amp;
 * java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" \
 *     io.procpool.examples.bench.RedisBench redis://127.0.0.1:6390 40000 2 16 noop,echo4k 300000
 * </pre>
 */
public final class RedisBench {

    private RedisBench() {
    }

    /** Returns its payload (null for a no-op). */
    record Echo(byte[] data) implements Task<byte[]> {
        @Override
        public byte[] call() {
            return data;
        }
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int nodes = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int prefetch = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        List<String> workloads = List.of((args.length > 4 ? args[4] : "noop,echo4k").split(","));
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 5000;
        int outstanding = args.length > 6 ? Integer.parseInt(args[6]) : 20_000;
        RedisClient client = RedisClients.create(uri, Duration.ofSeconds(10));
        List<RedisNode> started = new ArrayList<>();
        try (StatefulRedisConnection<String, String> admin = client.connect()) {
            for (int i = 0; i < nodes; i++) {
                started.add(RedisNode.start(client, "bench", Duration.ofSeconds(30),
                        TaskPool.builder().name("bench-node-" + i).workers(2).prefetch(prefetch)));
            }
            try (RedisSubmitter submitter = new RedisSubmitter(client, "bench", outstanding, false, 3, List.of())) {
                run(submitter, admin, "warm-up, no-op", warmup, null);
                if (workloads.contains("echo4k")) {
                    // the 4 KiB path compiles code of its own (C2 took a third of this JVM's CPU during the 4 KiB run)
                    run(submitter, admin, "warm-up, 4 KiB", warmup / 4, new byte[4096]);
                }
                if (workloads.contains("noop")) {
                    run(submitter, admin, "no-op", tasks, null);
                }
                if (workloads.contains("echo4k")) {
                    run(submitter, admin, "4 KiB echo", tasks, new byte[4096]);
                }
            }
        } finally {
            for (RedisNode n : started) {
                n.close();
            }
            client.shutdown();
        }
    }

    private static void run(RedisSubmitter submitter, StatefulRedisConnection<String, String> admin, String name,
                            int n, byte[] payload) throws Exception {
        admin.sync().configResetstat();
        CpuMeter.Sample cpu0 = CpuMeter.sample(admin.sync().info("cpu"));
        long t0 = System.nanoTime();
        // each result is checked and dropped when it comes: holding all n (160 MB of 4 KiB echoes) to the end made
        // the run measure G1 copying and promoting them (a quarter of this JVM's CPU), not the pool
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        int expected = payload == null ? -1 : payload.length;
        for (int i = 0; i < n; i++) {
            TaskFuture<byte[]> f = submitter.submit(new Echo(payload));
            f.whenComplete((r, t) -> {
                if (t == null && (r == null ? -1 : r.length) != expected) {
                    t = new IllegalStateException("echo of " + expected + " bytes came back as "
                            + (r == null ? "null" : r.length + " bytes"));
                }
                if (t != null) {
                    failed.compareAndSet(null, t);
                }
                done.countDown();
            });
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(name + ": " + done.getCount() + " of " + n + " tasks unanswered");
        }
        if (failed.get() != null) {
            throw new IllegalStateException(name + ": a task failed", failed.get());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        CpuMeter.Sample cpu1 = CpuMeter.sample(admin.sync().info("cpu"));
        Map<String, Long> calls = commandStats(admin.sync().info("commandstats"));
        long total = calls.values().stream().mapToLong(Long::longValue).sum() - calls.getOrDefault("config|resetstat",
                0L) - calls.getOrDefault("info", 0L);
        System.out.printf(Locale.ROOT, "%-16s %8d tasks %9.0f tasks/s %6.2f commands/task  %s%n", name, n,
                n / seconds, (double) total / n, calls);
        System.out.printf(Locale.ROOT, "%-16s %s; load average %.2f%n", name, cpu1.perTask(cpu0, n),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** cmdstat_xadd:calls=3,... → {xadd=3, ...}. */
    private static Map<String, Long> commandStats(String info) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                int c = line.indexOf("calls=") + "calls=".length();
                out.put(name, Long.parseLong(line.substring(c, line.indexOf(',', c))));
            }
        }
        return out;
    }
}
