package io.procpool.examples.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this JVM's threads (by name, {@code ThreadMXBean}, nanoseconds) and of its child processes (by pid,
 * user + system from {@code /proc/PID/stat}, clock ticks of 10 ms), for {@code PoolBench --cpu}.
 */
final class CpuTimes {

    private static final long TICK_NANOS = 10_000_000L;  // USER_HZ is 100 on Linux

    private CpuTimes() {
    }

    /** Nanoseconds of CPU per thread name ("manager NAME") and per child ("worker PID"). */
    static Map<String, Long> snapshot() {
        Map<String, Long> cpu = new TreeMap<>();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (long id : mx.getAllThreadIds()) {
            long t = mx.getThreadCpuTime(id);
            ThreadInfo info = mx.getThreadInfo(id);
            if (t > 0 && info != null) {
                cpu.merge("manager " + info.getThreadName().replaceAll("[0-9]+$", "N"), t, Long::sum);
            }
        }
        ProcessHandle.current().children().forEach(p -> cpu.put("worker " + p.pid(), ticks(p.pid()) * TICK_NANOS));
        return cpu;
    }

    /** Prints CPU microseconds per task of each thread or worker that used at least 0.05 µs per task, and totals. */
    static void print(Map<String, Long> before, Map<String, Long> after, int tasks) {
        double manager = 0;
        double workers = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            double us = (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / 1e3 / tasks;
            if (e.getKey().startsWith("manager")) {
                manager += us;
            } else {
                workers += us;
            }
            if (us >= 0.05) {
                System.out.printf(Locale.ROOT, "cpu-us-per-task %-40s %8.2f%n", e.getKey(), us);
            }
        }
        System.out.printf(Locale.ROOT, "cpu-us-per-task %-40s %8.2f%n", "manager (all threads)", manager);
        System.out.printf(Locale.ROOT, "cpu-us-per-task %-40s %8.2f%n", "workers (all)", workers);
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);  // utime, stime: fields 14 and 15
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
