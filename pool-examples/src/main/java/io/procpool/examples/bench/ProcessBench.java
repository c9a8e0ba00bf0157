package io.procpool.examples.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.procpool.examples.EchoWorker;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.ProcessSpec;
import io.procpool.runtime.process.Spawner;

/**
 * Process-layer benchmark: spawn-to-reaped of /bin/true (procpool vs ProcessBuilder, same run), and push/pop
 * round trips with a C child and a Java child. Prints medians and p99 in microseconds.
 *
 * <pre>
 * cc -O2 -o /tmp/echo_child pool-runtime/src/test/c/echo_child.c
 * java -cp "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*" \
 *     io.procpool.examples.bench.ProcessBench /tmp/echo_child
 * </pre>
 */
public final class ProcessBench {

    private static final int SPAWNS = 1000;
    private static final int WARMUP_SPAWNS = 200;
    private static final int ROUND_TRIPS = 100_000;
    private static final int WARMUP_TRIPS = 20_000;

    private ProcessBench() {
    }

    public static void main(String[] args) throws Exception {
        String cChild = args.length > 0 ? args[0] : null;
        System.out.printf(Locale.ROOT, "%-44s %10s %10s%n", "measure", "median µs", "p99 µs");
        try (Spawner spawner = Spawner.create("bench")) {
            ProcessSpec trueSpec = ProcessSpec.builder("/bin/true").noChannel().build();
            for (int round = 0; round < 2; round++) {
                row("spawn+reap /bin/true, procpool" + (round == 0 ? "" : " (again)"), spawnReap(spawner, trueSpec));
                row("spawn+reap /bin/true, ProcessBuilder" + (round == 0 ? "" : " (again)"), processBuilder());
            }
            row("SIGKILL to reaped status, sleep", killToReaped(spawner));
            if (cChild != null) {
                row("push/pop round trip, 16 B, C child", roundTrips(spawner, ProcessSpec.builder(cChild).build()));
            }
            row("push/pop round trip, 16 B, Java child", roundTrips(spawner, ProcessSpec.builder(javaCommand())
                    .channelFd(0).build()));
        }
    }

    private static long[] spawnReap(Spawner spawner, ProcessSpec spec) throws InterruptedException {
        long[] t = new long[SPAWNS];
        for (int i = -WARMUP_SPAWNS; i < SPAWNS; i++) {
            long t0 = System.nanoTime();
            try (ChildProcess c = spawner.spawn(spec)) {
                c.waitFor();
                if (i >= 0) {
                    t[i] = System.nanoTime() - t0;
                }
            }
        }
        return t;
    }

    private static long[] killToReaped(Spawner spawner) throws InterruptedException {
        int n = 300;
        long[] t = new long[n];
        ProcessSpec sleep = ProcessSpec.builder("sleep", "1000").noChannel().build();
        for (int i = -50; i < n; i++) {
            try (ChildProcess c = spawner.spawn(sleep)) {
                while (!new String(java.nio.file.Files.readAllBytes(Path.of("/proc/" + c.pid() + "/comm")),
                        java.nio.charset.StandardCharsets.US_ASCII).startsWith("sleep")) {
                    Thread.onSpinWait();  // until it is past exec
                }
                long t0 = System.nanoTime();
                c.kill(9);
                c.waitFor();
                if (i >= 0) {
                    t[i] = System.nanoTime() - t0;
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return t;
    }

    private static long[] processBuilder() throws Exception {
        long[] t = new long[SPAWNS];
        ProcessBuilder pb = new ProcessBuilder("/bin/true").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        for (int i = -WARMUP_SPAWNS; i < SPAWNS; i++) {
            long t0 = System.nanoTime();
            Process p = pb.start();
            p.waitFor();
            if (i >= 0) {
                t[i] = System.nanoTime() - t0;
            }
            p.getOutputStream().close();
        }
        return t;
    }

    private static long[] roundTrips(Spawner spawner, ProcessSpec spec) throws InterruptedException {
        byte[] msg = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long[] t = new long[ROUND_TRIPS];
        try (ChildProcess c = spawner.spawn(spec)) {
            for (int i = -WARMUP_TRIPS; i < ROUND_TRIPS; i++) {
                long t0 = System.nanoTime();
                c.push(msg);
                c.pop();
                if (i >= 0) {
                    t[i] = System.nanoTime() - t0;
                }
            }
            c.shutdownChannel();
            c.waitFor();
        }
        return t;
    }

    private static List<String> javaCommand() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EchoWorker.class.getName());
    }

    private static void row(String name, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "%-44s %10.1f %10.1f%n", name, s[s.length / 2] / 1000.0,
                s[(int) (s.length * 0.99)] / 1000.0);
    }
}
