package io.procpool.runtime.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.ProcessSpec;
import io.procpool.runtime.process.Redirect;
import io.procpool.runtime.process.Spawner;
import io.procpool.runtime.supervise.Health;
import io.procpool.runtime.supervise.JvmWorker;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test (Surefire's default includes skip it): do the two blocking calls supervision makes on the I/O
 * thread belong there? Times, with {@code System.nanoTime()} around each call:
 * <ol>
 *   <li>{@code Spawner.spawn} of the JVM worker's command as the pool builds it (the spec the Launcher builds for
 *       {@code WorkerKind.JVM}), with a class path of class directories and with a shaded jar, beside
 *       {@code /bin/true} as the floor of any spawn; each child is killed and reaped before the next sample;</li>
 *   <li>{@code Health.rssBytes} of a live worker JVM that said HELLO, beside a read of {@code /proc/pid/statm} (one
 *       short line) as an alternative.</li>
 * </ol>
 * Samples of the variants alternate, so that they share the load of the moment. Prints min, median, p90, p99 and
 * max in microseconds, and the load average before and after. Run it with {@code mvn -B -ntp verify -pl pool-runtime
 * -am -Dtest=IoThreadCallsBench -Dsurefire.failIfNoSpecifiedTests=false} (system properties {@code bench.spawns},
 * {@code bench.rssReads} set the sample counts).
 */
@ExtendWith(NoChildLeft.class)
class IoThreadCallsBench {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;

    @Test
    void measure() throws Exception {
        int spawns = Integer.getInteger("bench.spawns", 200);
        int rssReads = Integer.getInteger("bench.rssReads", 20_000);
        List<String> entries = new ArrayList<>();
        Fixtures.runtime().forEach(p -> entries.add(p.toString()));
        String classDirs = String.join(File.pathSeparator, entries);
        String shaded = Fixtures.shaded(dir.resolve("procpool.jar"), Fixtures.runtime(), null).toString();
        System.out.println("MEASURE load before: " + load() + "; class-dir class path " + classDirs.length()
                + " chars (" + entries.size() + " entries), shaded jar " + Files.size(Path.of(shaded)) + " bytes");
        try (Spawner spawner = Spawner.create("bench")) {
            List<ProcessSpec> specs = List.of(worker(classDirs), worker(shaded),
                    ProcessSpec.builder("/bin/true").name("true").build());
            String[] names = {"spawn JVM worker, class directories", "spawn JVM worker, shaded jar",
                "spawn /bin/true"};
            long[][] spawn = new long[specs.size()][spawns];
            for (int i = -spawns / 10; i < spawns; i++) {  // the first tenth warms up
                for (int k = 0; k < specs.size(); k++) {
                    int v = Math.floorMod(i + k, specs.size());  // rotates who goes first
                    long t0 = System.nanoTime();
                    ChildProcess child = spawner.spawn(specs.get(v));
                    long t = System.nanoTime() - t0;
                    child.close();
                    if (i >= 0) {
                        spawn[v][i] = t;
                    }
                }
            }
            for (int v = 0; v < specs.size(); v++) {
                report(names[v], spawn[v]);
            }

            ChildProcess worker = spawner.spawn(worker(shaded));
            assertThat(worker.pop(Duration.ofMinutes(2))).as("the worker's HELLO").isPresent();
            int pid = worker.pid();
            long[] status = new long[rssReads];
            long[] statm = new long[rssReads];
            long sink = 0;
            for (int i = -rssReads / 10; i < rssReads; i++) {
                long t0 = System.nanoTime();
                sink += Health.rssBytes(pid);
                long t1 = System.nanoTime();
                sink += statmRss(pid);
                long t2 = System.nanoTime();
                if (i >= 0) {
                    status[i] = t1 - t0;
                    statm[i] = t2 - t1;
                }
            }
            assertThat(Health.rssBytes(pid)).isPositive();
            System.out.println("MEASURE worker RSS " + (Health.rssBytes(pid) >> 20) + " MiB, statm RSS "
                    + (statmRss(pid) >> 20) + " MiB (" + (sink != 0) + ")");
            report("Health.rssBytes (/proc/pid/status, readAllLines)", status);
            report("/proc/pid/statm, readString", statm);
            worker.close();
        }
        System.out.println("MEASURE load after: " + load());
    }

    /** The JVM worker as the pool spawns it: TaskPool's command, the Launcher's spec for WorkerKind.JVM. */
    private static ProcessSpec worker(String classpath) {
        List<String> command = List.of(JAVA, "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "-Xmx64m",
                "-Dprocpool.capacity=1", "-Dprocpool.maxFrame=" + (ProcessSpec.DEFAULT_MAX_MESSAGE_SIZE + 12), "-cp",
                classpath, JvmWorker.MAIN_CLASS);
        return ProcessSpec.builder(command).name("bench-1").argv0("procpool:bench:1").channelFd(0)
                .env("PROCPOOL_WORKER", "bench-1").stdout(Redirect.LOG).stderr(Redirect.LOG).build();
    }

    /** RSS from /proc/pid/statm (its second field, in pages; 4 KiB pages assumed). */
    private static long statmRss(int pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/statm"));
            int a = s.indexOf(' ') + 1;
            return Long.parseLong(s, a, s.indexOf(' ', a), 10) * 4096;
        } catch (java.io.IOException | RuntimeException gone) {
            return 0;
        }
    }

    private static void report(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.println(String.format(Locale.ROOT,
                "MEASURE %-50s n=%d min %.1f us, median %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us", what,
                s.length, s[0] / 1e3, s[s.length / 2] / 1e3, s[(int) (s.length * 0.90)] / 1e3,
                s[(int) (s.length * 0.99)] / 1e3, s[s.length - 1] / 1e3));
    }

    private static String load() throws java.io.IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }
}
