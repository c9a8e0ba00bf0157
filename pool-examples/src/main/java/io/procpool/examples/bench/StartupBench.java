package io.procpool.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.procpool.PoolListener;
import io.procpool.Task;
import io.procpool.WorkerInfo;
import io.procpool.examples.cli.HashChain;
import io.procpool.runtime.TaskPool;

/**
 * Worker start-up: spawn to HELLO (the pool's {@code workerReady} duration) and the worker's CPU time at HELLO
 * (its threads' run time, see {@link #cpuMs}), then the first task's round trip and the CPU after it, then 20 demo
 * items ({@link HashChain}, 20,000 rounds: how fast the fresh JVM's JIT warms up) and the CPU after them; one
 * 1-worker pool per start. Each variant is a set of JVM options added to the defaults ({@code addJvmOptions}); the
 * variants run alternately, round after round, so that they share the machine's load. Each variant has its own
 * class-data sharing directory; its first start (which records the archive) is not counted. Last, the same for
 * {@link Hello}, a JVM that prints a line and waits, with the workers' default options: the floor, once per java.
 *
 * <p>Two words in a variant are not JVM options: {@code java=PATH} runs its workers on that java
 * ({@code javaCommand}; a JDK 25+ java records and maps an AOT cache instead of a CDS archive), {@code nocds} turns
 * the pool's archive off ({@code classDataSharing(false)}: the JDK's own CDS archive only).
 *
 * <pre>
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" io.procpool.examples.bench.StartupBench \
 *     [starts per variant, default 11] [variant ...]   (a variant: JVM options separated by spaces; "" = the defaults)
 * </pre>
 */
public final class StartupBench {

    private static final double TICK_MS = 10;  // USER_HZ = 100 on Linux

    private StartupBench() {
    }

    /** The floor: a JVM that says it is up and waits for its stdin to end. */
    public static final class Hello {
        private Hello() {
        }

        public static void main(String[] args) throws IOException {
            System.out.println("up");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the end of stdin
            }
        }
    }

    record Nop() implements Task<Integer> {
        @Override
        public Integer call() {
            return 1;
        }
    }

    record Start(double wallMs, double cpuMs, double firstTaskMs, double cpuAfterTaskMs, double itemsMs,
                 double cpuAfterItemsMs) {
    }

    /** Demo items run by a fresh worker after its first task: the cost of its JIT's warm-up shows here. */
    private static final int ITEMS = 20;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        List<String> variants = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("");
        Path cache = Files.createTempDirectory("startup-bench");
        List<List<Start>> runs = new ArrayList<>();
        for (int v = 0; v < variants.size(); v++) {
            runs.add(new ArrayList<>());
            start(variants.get(v), cache.resolve("v" + v));  // records the archive
        }
        List<String> javas = variants.stream().map(StartupBench::javaOf).distinct().toList();
        List<List<double[]>> hellos = new ArrayList<>();
        javas.forEach(j -> hellos.add(new ArrayList<>()));
        for (int i = 0; i < n; i++) {
            for (int v = 0; v < variants.size(); v++) {
                runs.get(v).add(start(variants.get(v), cache.resolve("v" + v)));
            }
            for (int j = 0; j < javas.size(); j++) {
                hellos.get(j).add(hello(javas.get(j)));
            }
        }
        System.out.printf(Locale.ROOT, "load average %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
        for (int v = 0; v < variants.size(); v++) {
            List<Start> r = runs.get(v);
            System.out.printf(Locale.ROOT, "[%s] spawn->HELLO median %.1f ms (min %.1f), CPU at HELLO %.1f ms;"
                            + " first no-op task %.1f ms, CPU after it %.1f ms; then %d demo items %.0f ms, CPU after"
                            + " them %.0f ms (%d starts)%n",
                    variants.get(v).isEmpty() ? "defaults" : variants.get(v),
                    median(r.stream().map(Start::wallMs).toList()), min(r.stream().map(Start::wallMs).toList()),
                    median(r.stream().map(Start::cpuMs).toList()), median(r.stream().map(Start::firstTaskMs).toList()),
                    median(r.stream().map(Start::cpuAfterTaskMs).toList()), ITEMS,
                    median(r.stream().map(Start::itemsMs).toList()),
                    median(r.stream().map(Start::cpuAfterItemsMs).toList()), r.size());
        }
        for (int j = 0; j < javas.size(); j++) {
            List<double[]> h = hellos.get(j);
            System.out.printf(Locale.ROOT, "[hello-world JVM %s, default worker options] start->first line median"
                    + " %.1f ms, CPU %.0f ms%n", javas.get(j), median(h.stream().map(x -> x[0]).toList()),
                    median(h.stream().map(x -> x[1]).toList()));
        }
    }

    /** The java of a variant: its {@code java=PATH} word, else this JVM's. */
    static String javaOf(String variant) {
        for (String w : variant.trim().split(" +")) {
            if (w.startsWith("java=")) {
                return w.substring("java=".length());
            }
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Start start(String variant, Path cds) throws Exception {
        CompletableFuture<double[]> ready = new CompletableFuture<>();
        PoolListener l = new PoolListener() {
            @Override
            public void workerReady(WorkerInfo worker, Duration startup) {
                ready.complete(new double[] {startup.toNanos() / 1e6, cpuMs(worker.pid()), worker.pid()});
            }
        };
        TaskPool.Builder b = TaskPool.builder().name("startup").workers(1).listener(l).classDataSharingDirectory(cds);
        b.javaCommand(javaOf(variant));
        List<String> options = new ArrayList<>();
        for (String w : variant.trim().split(" +")) {
            if (w.equals("nocds")) {
                b.classDataSharing(false);
            } else if (!w.isEmpty() && !w.startsWith("java=")) {
                options.add(w);
            }
        }
        b.addJvmOptions(options.toArray(String[]::new));
        try (TaskPool pool = b.build()) {
            double[] r = ready.get(60, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            pool.submit(new Nop()).get(60, TimeUnit.SECONDS);
            double first = (System.nanoTime() - t0) / 1e6;
            double cpuFirst = cpuMs((int) r[2]);
            long t1 = System.nanoTime();
            for (int i = 0; i < ITEMS; i++) {
                pool.submit(new HashChain(i, 20_000, false)).get(60, TimeUnit.SECONDS);
            }
            return new Start(r[0], r[1], first, cpuFirst, (System.nanoTime() - t1) / 1e6, cpuMs((int) r[2]));
        }
    }

    private static double[] hello(String java) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(TaskPool.Builder.DEFAULT_JVM_OPTIONS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Hello.class.getName()));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getInputStream().read();
        double wall = (System.nanoTime() - t0) / 1e6;
        double cpu = cpuMs((int) p.pid());
        p.getOutputStream().close();
        p.waitFor();
        return new double[] {wall, cpu};
    }

    /**
     * The CPU time of a live process so far, in ms: the sum of its threads' run time from
     * {@code /proc/<pid>/task/<tid>/schedstat} (nanoseconds; the threads that already ended are not counted, a JVM
     * ends few before HELLO), else {@code utime + stime} of {@code /proc/<pid>/stat} (10 ms ticks).
     */
    static double cpuMs(int pid) {
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            long ns = 0;
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    ns += Long.parseLong(Files.readString(t.resolve("schedstat")).split(" ")[0]);
                } catch (IOException gone) {
                    // a thread that ended meanwhile
                }
            }
            return ns / 1e6;
        } catch (IOException | RuntimeException e) {
            try {
                String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_MS;  // fields 14 and 15
            } catch (IOException | RuntimeException e2) {
                return Double.NaN;
            }
        }
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length == 0 ? Double.NaN : a[a.length / 2];
    }

    private static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }
}
