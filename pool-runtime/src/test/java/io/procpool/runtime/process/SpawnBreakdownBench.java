package io.procpool.runtime.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Benchmark, not a test (Surefire's default includes skip it): where the time of {@code Spawner.spawn} goes, for the
 * spec the Launcher builds for a JVM worker (channel at fd 0, stdout and stderr relayed) with {@code /bin/true} as
 * the program (the program does not change the cost: see {@code packaging.IoThreadCallsBench}). Alternates
 * {@code SpawnCall.start} alone (the {@code posix_spawnp}, which returns only once the child has exec'd, and its
 * descriptors) with the whole {@code Spawner.spawn} (also the {@code ChildProcess}: its channel, relays, registration
 * on the I/O thread). Run it with {@code mvn -B -ntp verify -pl pool-runtime -am -Dtest=SpawnBreakdownBench
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(NoChildLeft.class)
class SpawnBreakdownBench {

    @Test
    void measure() throws Exception {
        int n = Integer.getInteger("bench.spawns", 300);
        ProcessSpec spec = ProcessSpec.builder("/bin/true").name("bench-1").argv0("procpool:bench:1").channelFd(0)
                .env("PROCPOOL_WORKER", "bench-1").stdout(Redirect.LOG).stderr(Redirect.LOG).build();
        long[] call = new long[n];
        long[] spawn = new long[n];
        System.out.println("MEASURE load before: " + Files.readString(Path.of("/proc/loadavg")).trim());
        try (Spawner spawner = Spawner.create("bench")) {
            for (int i = -n / 10; i < n; i++) {
                long t0 = System.nanoTime();
                SpawnCall.Started s = SpawnCall.start(spec);
                long t1 = System.nanoTime();
                Native.POSIX.waitpid(s.pid(), new int[1], 0);  // this child only, never waitpid(-1)
                for (int fd : new int[] {s.pidfd(), s.channelFd(), s.stdinPipe(), s.stdoutPipe(), s.stderrPipe(),
                    s.stdoutLog(), s.stderrLog()}) {
                    Native.closeQuietly(fd);
                }
                long t2 = System.nanoTime();
                ChildProcess child = spawner.spawn(spec);
                long t3 = System.nanoTime();
                child.close();
                if (i >= 0) {
                    call[i] = t1 - t0;
                    spawn[i] = t3 - t2;
                }
            }
        }
        report("SpawnCall.start (posix_spawnp and descriptors)", call);
        report("Spawner.spawn (all of it)", spawn);
        System.out.println("MEASURE load after: " + Files.readString(Path.of("/proc/loadavg")).trim());
    }

    private static void report(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.println(String.format(Locale.ROOT,
                "MEASURE %-50s n=%d min %.1f us, median %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us", what,
                s.length, s[0] / 1e3, s[s.length / 2] / 1e3, s[(int) (s.length * 0.90)] / 1e3,
                s[(int) (s.length * 0.99)] / 1e3, s[s.length - 1] / 1e3));
    }
}
