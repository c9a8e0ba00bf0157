package io.procpool.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time by process for a benchmark's measured phase (Linux {@code /proc}): this JVM without its JIT compiler
 * threads (their time is warm-up, not per-task work), the JIT threads apart, this JVM's child processes (the worker
 * JVMs), and Redis as its {@code INFO cpu} says. On a shared machine the CPU a task costs is steadier than tasks/s:
 * the others' load changes the rate a lot and the CPU per task little.
 */
final class CpuMeter {

    /** Cumulative CPU in nanoseconds at one moment. */
    record Sample(long jvm, long jit, long children, long redis) {
        /** What was spent between {@code before} and this one, per task, in microseconds: "jvm 80 jit 5 ...". */
        String perTask(Sample before, long tasks) {
            return String.format(java.util.Locale.ROOT,
                    "CPU µs/task: jvm %.0f (jit %.0f more), workers %.0f, redis %.0f",
                    us(jvm - before.jvm, tasks), us(jit - before.jit, tasks), us(children - before.children, tasks),
                    us(redis - before.redis, tasks));
        }

        private static double us(long nanos, long tasks) {
            return nanos / 1e3 / Math.max(1, tasks);
        }
    }

    private static final long TICK_NANOS = 10_000_000L;  // USER_HZ is 100 on Linux

    private CpuMeter() {
    }

    /** Now; {@code redisCpu} is the text of {@code INFO cpu}. */
    static Sample sample(String redisCpu) {
        long jvm = 0;
        long jit = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException gone) {
                    continue;  // the thread ended meanwhile
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                if (name.contains("CompilerThre")) {
                    jit += ticks * TICK_NANOS;
                } else {
                    jvm += ticks * TICK_NANOS;
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            jvm = -1;
        }
        long children = ProcessHandle.current().descendants()
                .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
        return new Sample(jvm, jit, children, redis(redisCpu));
    }

    private static long redis(String info) {
        Map<String, Double> v = new java.util.HashMap<>();
        for (String line : info.split("\r?\n")) {
            int c = line.indexOf(':');
            if (c > 0 && (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:"))) {
                v.put(line.substring(0, c), Double.parseDouble(line.substring(c + 1).trim()));
            }
        }
        return (long) ((v.getOrDefault("used_cpu_sys", 0.0) + v.getOrDefault("used_cpu_user", 0.0)) * 1e9);
    }
}
