package io.procpool.examples.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.procpool.ExitReason;

/**
 * What a run did, printed at its end (or, interrupted, with what finished so far): on stdout by {@code demo}, on
 * stderr by {@code run}, whose stdout holds the results. One fact per line, a fixed label first, so that people and
 * tests can read it.
 *
 * @param items          items in the batch (for {@code run}: the input lines read)
 * @param ok             items that returned a result
 * @param failed         items that failed (threw, timed out, or crashed their worker on every attempt)
 * @param wall           from the start of the command to now
 * @param poolStart      how long the pool took to have its workers ready
 * @param workersStarted worker processes started, replacements and spares included
 * @param restarts       workers replaced, by why their predecessor left
 * @param reaped         worker processes that exited and were reaped by the pool: none is left as a zombie
 * @param p50            median execution time of the items that succeeded
 * @param p99            99th percentile of the same
 * @param check          the demo's check value, sum of the check terms of the items that succeeded
 *                       ({@link DemoBatch#checkTerm}, {@link DemoBatch#format formatted}); null prints no check line
 * @param firstFailure   the message of the first failure, or null
 * @param interrupted    whether the run was cut short (Ctrl-C)
 */
record Summary(long items, long ok, long failed, Duration wall, Duration poolStart, int workersStarted,
               Map<ExitReason, Long> restarts, long reaped, Duration p50, Duration p99, String check,
               String firstFailure, boolean interrupted) {

    void print(PrintWriter out) {
        long done = ok + failed;
        if (interrupted) {
            out.println("interrupted  partial summary: " + done + " of " + items + " items finished");
        }
        out.println("items        " + ok + " ok, " + failed + " failed"
                + (done < items ? ", " + (items - done) + " not finished" : "") + " (of " + items + ")");
        Duration working = wall.minus(poolStart);
        out.println(String.format(Locale.ROOT, "wall time    %.2f s (workers ready after %.2f s)", seconds(wall),
                seconds(poolStart)));
        out.println(String.format(Locale.ROOT, "throughput   %.1f items/s", working.isZero() || working.isNegative()
                ? 0.0 : done / seconds(working)));
        out.println("workers      " + workersStarted + " started, " + reaped + " reaped");
        long total = restarts.values().stream().mapToLong(Long::longValue).sum();
        out.println("restarts     " + total + (restarts.isEmpty() ? "" : restarts.entrySet().stream()
                .map(e -> e.getKey().tag() + " " + e.getValue()).collect(Collectors.joining(", ", " (", ")"))));
        out.println(String.format(Locale.ROOT, "task time    p50 %.2f ms, p99 %.2f ms", millis(p50), millis(p99)));
        if (check != null) {
            out.println("check        " + check + (ok < items ? " (over the " + ok + " items that succeeded)" : ""));
        }
        if (firstFailure != null) {
            out.println("first error  " + firstFailure.lines().findFirst().orElse(""));
        }
        out.flush();
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }
}
