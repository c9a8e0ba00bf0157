package io.procpool.runtime.supervise;

import java.math.BigDecimal;
import java.time.Duration;

/** Durations as people read them in messages: {@code 600 ms}, {@code 2 s}, {@code 1.5 s}, {@code 1 min 30 s}. */
public final class Durations {

    private Durations() {
    }

    public static String text(Duration d) {
        if (d == null) {
            return "none";
        }
        if (d.isNegative()) {
            return "-" + text(d.negated());
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            long nanos = d.toNanos();
            return nanos % 1_000_000 == 0 ? nanos / 1_000_000 + " ms"
                    : BigDecimal.valueOf(nanos, 6).stripTrailingZeros().toPlainString() + " ms";
        }
        if (d.compareTo(Duration.ofMinutes(1)) < 0) {
            return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
        }
        long h = d.toHours();
        long min = d.toMinutesPart();
        long s = d.toSecondsPart();
        StringBuilder sb = new StringBuilder();
        if (h > 0) {
            sb.append(h).append(" h");
        }
        if (min > 0) {
            sb.append(sb.length() > 0 ? " " : "").append(min).append(" min");
        }
        if (s > 0) {
            sb.append(sb.length() > 0 ? " " : "").append(s).append(" s");
        }
        return sb.toString();
    }

    /** The longer of the two. */
    public static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** {@code d} in nanoseconds, Long.MAX_VALUE for one too long to say so (an idleTimeout of "never"). */
    public static long nanos(Duration d) {
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
    }

    /** {@code n} followed by the noun, in the plural unless n is 1: {@code 1 worker}, {@code 2 workers}. */
    public static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
