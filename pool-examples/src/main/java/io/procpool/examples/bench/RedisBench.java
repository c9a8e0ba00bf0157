package io.procpool.examples.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

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
 * commandstats, reset before each run). Needs a redis-server: args URI [tasks] [nodes] [prefetch].
 *
 * <pre>
 * redis-server --port 6390 --save '' --appendonly no &amp;
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" \
 *     io.procpool.examples.bench.RedisBench redis://127.0.0.1:6390 50000 2 16
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
        RedisClient client = RedisClients.create(uri, Duration.ofSeconds(10));
        List<RedisNode> started = new ArrayList<>();
        try (StatefulRedisConnection<String, String> admin = client.connect()) {
            for (int i = 0; i < nodes; i++) {
                started.add(RedisNode.start(client, "bench", Duration.ofSeconds(30),
                        TaskPool.builder().name("bench-node-" + i).workers(2).prefetch(prefetch)));
            }
            try (RedisSubmitter submitter = new RedisSubmitter(client, "bench", 20_000, false, 3, List.of())) {
                run(submitter, admin, "warm-up, no-op", Math.min(tasks, 5000), null);
                run(submitter, admin, "no-op", tasks, null);
                run(submitter, admin, "4 KiB echo", tasks, new byte[4096]);
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
        long t0 = System.nanoTime();
        List<TaskFuture<byte[]>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            futures.add(submitter.submit(new Echo(payload)));
        }
        for (TaskFuture<byte[]> f : futures) {
            f.get(10, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Long> calls = commandStats(admin.sync().info("commandstats"));
        long total = calls.values().stream().mapToLong(Long::longValue).sum() - calls.getOrDefault("config|resetstat",
                0L) - calls.getOrDefault("info", 0L);
        System.out.printf(Locale.ROOT, "%-16s %8d tasks %9.0f tasks/s %6.2f commands/task  %s%n", name, n,
                n / seconds, (double) total / n, calls);
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
