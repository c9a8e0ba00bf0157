package io.procpool.runtime.supervise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The health checks' measures: heartbeat period, silence, resident memory. */
public final class Health {

    /** How often after a task a worker's RSS may be read at most: the read costs a /proc file. */
    public static final long RSS_CHECK_NANOS = 100_000_000L;

    private Health() {
    }

    /** How often a worker beats (PROCPOOL_HEARTBEAT_MILLIS) and is checked: a third of the timeout, at least 10 ms. */
    public static long heartbeatMillis(Duration timeout) {
        return Math.max(10, timeout.toMillis() / 3);
    }

    /** Whether a worker last heard at {@code lastHeardNanos} has been silent for longer than {@code limitNanos}. */
    public static boolean silent(long nowNanos, long lastHeardNanos, long limitNanos) {
        return nowNanos - lastHeardNanos > limitNanos;
    }

    /** The resident memory of {@code pid} in bytes (VmRSS of /proc/pid/status); 0 when it is gone or unreadable. */
    public static long rssBytes(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
        return 0;
    }
}
