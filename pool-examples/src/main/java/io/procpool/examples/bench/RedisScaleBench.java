package io.procpool.examples.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.models.stream.PendingMessages;
import io.procpool.PoolListener;
import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.TaskFuture;
import io.procpool.TaskOutcome;
import io.procpool.redis.RedisClients;
import io.procpool.redis.RedisNode;
import io.procpool.redis.RedisSubmitter;
import io.procpool.redis.StreamLayout;
import io.procpool.runtime.TaskPool;

/**
 * Scale-out on Redis Streams with each node in a JVM of its own (2 worker JVMs each), as on separate machines:
 *
 * <ul>
 * <li>{@code sleep}: {@code tasks} tasks of {@code ms} milliseconds of sleep on {@code nodes} nodes; efficiency is the
 *     ideal time ({@code tasks × ms / (nodes × 2)}) over the measured one, after a warm-up: {@code warm} no-op
 *     tasks (system property, default 30,000; 0 for the old, cold warm-up), so that the node and submitter JVMs have
 *     compiled their hot paths, then a batch that starts every worker. With 5,000, C2 still compiled through the
 *     measured run (10–70 methods a second in a node, 43 % of a node JVM's CPU samples mid-run, per
 *     {@code -Xlog:jit+compilation} and {@code perf}) on the cores the workers share, and efficiency fell by 3–9
 *     points. With 30 tasks only, the JIT compiler threads of
 *     the 3 node JVMs and the submitter took about 40 % of the node JVMs' CPU during the measured run and kept both
 *     cores of the bench machine busy: every hand-off of the fetch chain waited in the run queue.
 *     Then where the lost time went ({@link ScaleBreakdown}): from each task's own clock on its worker, and from
 *     each node's trace of when it read the task's entry, sent it to the worker, and heard its outcome.
 *     {@code read-ahead}: entries each node fetches beyond its free credits ({@code RedisNode.start}).</li>
 * <li>{@code local}: the same tasks on one local pool of {@code nodes × 2} workers (no Redis; the URI is ignored): the
 *     efficiency this machine gives at the moment, to compare with.</li>
 * <li>{@code kill}: {@code nodes × 2 - 2} tasks of {@code 3 × lease} each; once they all run, the node that holds the
 *     most is SIGKILLed; each task it held restarts on another node: how long after the kill (the goal: within the
 *     lease plus the reclaim scan interval, half a lease).</li>
 * </ul>
 *
 * <pre>
 * redis-server --port 6390 --save '' --appendonly no &amp;
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" \
 *     [-Dwarm=30000] io.procpool.examples.bench.RedisScaleBench redis://127.0.0.1:6390 sleep|local|kill [nodes 3]
 *     [tasks 3000] [ms 10] [lease-ms 2000] [prefetch 0] [read-ahead 0]
 * </pre>
 */
public final class RedisScaleBench {

    private static final String POOL = "scale";
    /** No-op tasks run before the measured ones (and before the worker warm-up): compiled code, not the JIT's work. */
    private static final int WARM = Integer.getInteger("warm", 30_000);

    private RedisScaleBench() {
    }

    /**
     * Sleeps; returns when it started (epoch ms), its attempt, its node's pid (its worker's parent), its worker's
     * {@code System.nanoTime()} at its start and end (CLOCK_MONOTONIC: one clock for every process of the machine),
     * its worker's pid, and its task id on the node: what {@link ScaleBreakdown} needs.
     */
    record Sleep(long millis) implements Task<long[]> {
        @Override
        public long[] call() throws Exception {
            long t0 = System.nanoTime();
            long start = System.currentTimeMillis();
            Thread.sleep(millis);
            long t1 = System.nanoTime();
            ProcessHandle me = ProcessHandle.current();
            long node = me.parent().map(ProcessHandle::pid).orElse(-1L);
            TaskContext c = TaskContext.current();
            return new long[] {start, c.attempt(), node, t0, t1, me.pid(), c.taskId()};
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("node")) {
            node(args);
            return;
        }
        if (args.length > 1 && args[1].equals("local")) {
            local(Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]),
                    Integer.parseInt(args[6]));
            return;
        }
        String uri = args[0];
        String mode = args[1];
        int nodes = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int tasks = args.length > 3 ? Integer.parseInt(args[3]) : 3000;
        long ms = args.length > 4 ? Long.parseLong(args[4]) : 10;
        long lease = args.length > 5 ? Long.parseLong(args[5]) : 2000;
        int prefetch = args.length > 6 ? Integer.parseInt(args[6]) : 0;
        int readAhead = args.length > 7 ? Integer.parseInt(args[7]) : 0;
        RedisClient client = RedisClients.create(uri, Duration.ofSeconds(10));
        List<Node> started = new ArrayList<>();
        try (StatefulRedisConnection<String, String> admin = client.connect()) {
            admin.sync().del(new StreamLayout(POOL).tasks());
            for (int i = 0; i < nodes; i++) {
                started.add(Node.start(uri, lease, prefetch, readAhead));
            }
            try (RedisSubmitter submitter = new RedisSubmitter(client, POOL, 100_000, false, 3, List.of())) {
                run(submitter, WARM, 0);  // the JITs of the nodes and of this JVM
                run(submitter, nodes * 2 * 5, 50);  // every worker up and warm
                if (mode.equals("sleep")) {
                    sleep(submitter, started, tasks, ms, prefetch);
                } else {
                    kill(submitter, admin, started, nodes, lease);
                }
            }
        } finally {
            for (Node n : started) {
                n.stop();
            }
            client.shutdown();
        }
    }

    private static void sleep(RedisSubmitter submitter, List<Node> started, int tasks, long ms, int prefetch)
            throws Exception {
        long t0 = System.nanoTime();
        List<long[]> results = run(submitter, tasks, ms);
        long t1 = System.nanoTime();
        report("redis", tasks, ms, started.size(), (t1 - t0) / 1e9);
        Map<Long, Map<Long, long[]>> traces = new HashMap<>();
        for (Node n : started) {
            traces.put(n.process.pid(), n.trace());
        }
        ScaleBreakdown.print("redis", results, t0, t1, ms, prefetch, traces);
    }

    /** The same sleep tasks on one local pool of {@code nodes × 2} workers: what this machine gives without Redis. */
    private static void local(int nodes, int tasks, long ms, int prefetch) throws Exception {
        Trace trace = new Trace();
        try (TaskPool pool = TaskPool.builder().name("scale-local").workers(nodes * 2).prefetch(prefetch)
                .listener(trace).build()) {
            List<TaskFuture<long[]>> warm = new ArrayList<>();
            for (int i = 0; i < WARM; i++) {
                warm.add(pool.submit(new Sleep(0)));  // as the Redis runs get
            }
            for (int i = 0; i < nodes * 2 * 5; i++) {
                warm.add(pool.submit(new Sleep(50)));
            }
            for (TaskFuture<long[]> f : warm) {
                f.get(10, TimeUnit.MINUTES);
            }
            long t0 = System.nanoTime();
            List<TaskFuture<long[]>> futures = new ArrayList<>(tasks);
            for (int i = 0; i < tasks; i++) {
                futures.add(pool.submit(new Sleep(ms)));
            }
            List<long[]> results = new ArrayList<>(tasks);
            for (TaskFuture<long[]> f : futures) {
                results.add(f.get(10, TimeUnit.MINUTES));
            }
            long t1 = System.nanoTime();
            report("local", tasks, ms, nodes, (t1 - t0) / 1e9);
            ScaleBreakdown.print("local", results, t0, t1, ms, prefetch,
                    Map.of(ProcessHandle.current().pid(), trace.seen));
        }
    }

    private static void report(String what, int tasks, long ms, int nodes, double seconds) {
        double ideal = tasks * ms / 1000.0 / (nodes * 2);
        System.out.printf(Locale.ROOT, "%s: %d tasks of %d ms on %d x 2 workers: %.3f s, ideal %.3f s,"
                + " efficiency %.1f %%; load average %.2f%n", what, tasks, ms, nodes, seconds, ideal,
                100 * ideal / seconds,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** When the last submit of the last run returned (nanoTime). */
    static volatile long submitted;

    private static List<long[]> run(RedisSubmitter submitter, int n, long ms) throws Exception {
        List<TaskFuture<long[]>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            futures.add(submitter.submit(new Sleep(ms)));
        }
        submitted = System.nanoTime();
        List<long[]> out = new ArrayList<>(n);
        for (TaskFuture<long[]> f : futures) {
            out.add(f.get(10, TimeUnit.MINUTES));
        }
        return out;
    }

    private static void kill(RedisSubmitter submitter, StatefulRedisConnection<String, String> admin,
                             List<Node> started, int nodes, long lease) throws Exception {
        int n = nodes * 2 - 2;  // room left on the survivors for what the victim held
        List<TaskFuture<long[]>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(submitter.submit(new Sleep(3 * lease)));
        }
        Node victim = null;
        long held = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (victim == null && System.nanoTime() < deadline) {
            PendingMessages p = admin.sync().xpending(new StreamLayout(POOL).tasks(), StreamLayout.GROUP);
            if (p.getCount() == n) {
                for (Node node : started) {
                    long c = p.getConsumerMessageCount().getOrDefault(node.consumer, 0L);
                    if (c > held) {
                        held = c;
                        victim = node;
                    }
                }
            }
            Thread.sleep(20);  // a poll of Redis's view, not a synchronization of the pool
        }
        if (victim == null) {
            throw new IllegalStateException("the tasks were not all held within 30 s");
        }
        Thread.sleep(lease / 2);  // mid-task, between two renewals
        List<ProcessHandle> workers = victim.process.descendants().toList();
        long killed = System.currentTimeMillis();
        victim.process.destroyForcibly();  // SIGKILL
        victim.process.waitFor();
        long worst = 0;
        int restarted = 0;
        for (TaskFuture<long[]> f : futures) {
            long[] r = f.get(10, TimeUnit.MINUTES);
            if (r[1] > 1) {
                restarted++;
                worst = Math.max(worst, r[0] - killed);
            }
        }
        boolean orphans = false;
        for (ProcessHandle w : workers) {
            orphans |= w.isAlive();
            w.destroyForcibly();
        }
        System.out.printf(Locale.ROOT, "kill: node %s held %d of %d tasks (%d ms each); %d restarted elsewhere, the"
                + " last %d ms after the SIGKILL; bound lease + scan interval = %d ms (%s); its workers %s%n",
                victim.consumer, held, n, 3 * lease, restarted, worst, lease + lease / 2,
                worst <= lease + lease / 2 ? "met" : "NOT met", orphans ? "outlived it (killed now)" : "exited");
    }

    /**
     * A node JVM: {@code node URI lease-ms prefetch read-ahead}; prints its consumer name, serves until its stdin ends;
     * a line {@code TRACE} prints its {@link Trace}.
     */
    private static void node(String[] args) throws Exception {
        RedisClient client = RedisClients.create(args[1], Duration.ofSeconds(5));
        Trace trace = new Trace();
        RedisNode node = RedisNode.start(client, POOL, Duration.ofMillis(Long.parseLong(args[2])),
                Integer.parseInt(args[4]), TaskPool.builder().name("scale-node").workers(2)
                        .prefetch(Integer.parseInt(args[3])).listener(trace));
        System.out.println("READY " + node.consumer());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {  // until the bench closes our stdin
            if (line.equals("TRACE")) {
                StringBuilder out = new StringBuilder();
                trace.seen.forEach((id, t) -> out.append(id).append(' ').append(t[0]).append(' ').append(t[1])
                        .append(' ').append(t[2]).append('\n'));
                System.out.print(out.append("END\n"));
                System.out.flush();
            }
        }
        node.close();
        client.shutdown();
    }

    /**
     * When each task reached this pool (for a node: its entry was read), was sent to a worker, and its outcome reached
     * the pool (nanoTime, by task id): the node's side of {@link ScaleBreakdown}.
     */
    static final class Trace implements PoolListener {
        final Map<Long, long[]> seen = new ConcurrentHashMap<>();

        @Override
        public void taskStarted(long taskId, String workerId, int attempt, Duration queueWait) {
            long now = System.nanoTime();
            seen.put(taskId, new long[] {now - queueWait.toNanos(), now, 0});
        }

        @Override
        public void taskEnded(long taskId, TaskOutcome outcome, Duration execution) {
            long[] t = seen.get(taskId);
            if (t != null) {
                t[2] = System.nanoTime();
            }
        }
    }

    /** A node JVM of the bench's. */
    private record Node(Process process, String consumer, BufferedReader out) {
        static Node start(String uri, long lease, int prefetch, int readAhead) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java));
            // JVM options for the node JVMs, e.g. a profile: -Dnode.options=-XX:StartFlightRecording=filename=n.jfr
            String options = System.getProperty("node.options", "").trim();
            if (!options.isEmpty()) {
                cmd.addAll(List.of(options.split(" +")));
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RedisScaleBench.class.getName(), "node",
                    uri, Long.toString(lease), Integer.toString(prefetch), Integer.toString(readAhead)));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            while (line != null && !line.startsWith("READY ")) {
                line = out.readLine();  // what a JVM option printed first (JFR says it started a recording)
            }
            if (line == null || !line.startsWith("READY ")) {
                p.destroyForcibly();
                throw new IllegalStateException("node JVM did not start: " + line);
            }
            return new Node(p, line.substring("READY ".length()), out);
        }

        /** The node's {@link Trace}: task id to {entry read, sent to its worker, outcome at the node} (nanoTime). */
        Map<Long, long[]> trace() throws Exception {
            OutputStream in = process.getOutputStream();
            in.write("TRACE\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            Map<Long, long[]> m = new HashMap<>();
            for (String line = out.readLine(); line != null && !line.equals("END"); line = out.readLine()) {
                String[] f = line.split(" ");
                m.put(Long.parseLong(f[0]), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3])});
            }
            return m;
        }

        void stop() throws Exception {
            if (process.isAlive()) {
                try (OutputStream in = process.getOutputStream()) {
                    in.flush();
                }
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
