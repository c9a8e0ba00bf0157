package io.procpool.examples.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a sleep run's worker time went, from each task's own clock ({@link RedisScaleBench.Sleep} returns its
 * worker's {@code System.nanoTime()} at its start and end, and the worker's pid; CLOCK_MONOTONIC, comparable across
 * the processes of one machine): per worker, the time from the first submit to its first start (start), the time its
 * tasks slept past their {@code ms} (overshoot), the idle gaps between consecutive tasks (middle), and the time from
 * its last end to the last future at the submitter (tail). Their sum is the wall time times the workers, minus the
 * ideal: what the efficiency lost, measured on the workers, whatever the load. Each gap is classified by what
 * preceded it, from the node's trace ({@link RedisScaleBench.Trace}).
 */
final class ScaleBreakdown {

    /** Upper bounds of the gap histogram, in µs (the last bucket is open). */
    private static final long[] BOUNDS = {100, 200, 500, 1_000, 2_000, 5_000, 20_000};

    private ScaleBreakdown() {
    }

    /**
     * Prints the breakdown of a run: {@code results} as the tasks returned them, {@code t0} the first submit and
     * {@code t1} the last future's completion (nanoTime), {@code ms} each task's sleep.
     */
    static void print(String what, List<long[]> results, long t0, long t1, long ms, int prefetch,
                      Map<Long, Map<Long, long[]>> traces) {
        Causes causes = new Causes(t0, t1);
        Map<Long, List<long[]>> byWorker = new TreeMap<>();
        Map<Long, Long> nodeOf = new TreeMap<>();
        for (long[] r : results) {
            byWorker.computeIfAbsent(r[5], k -> new ArrayList<>()).add(r);
            nodeOf.put(r[5], r[2]);
        }
        long slept = ms * 1_000_000L;
        long start = 0;
        long over = 0;
        long gaps = 0;
        long tail = 0;
        long[] count = new long[BOUNDS.length + 1];
        long[] sum = new long[BOUNDS.length + 1];
        long worstTail = 0;
        StringBuilder perWorker = new StringBuilder();
        for (Map.Entry<Long, List<long[]>> w : byWorker.entrySet()) {
            List<long[]> rs = w.getValue();
            rs.sort((a, b) -> Long.compare(a[3], b[3]));
            long s = rs.get(0)[3] - t0;
            long g = 0;
            long o = 0;
            for (int i = 0; i < rs.size(); i++) {
                long[] r = rs.get(i);
                o += r[4] - r[3] - slept;
                if (i > 0) {
                    long gap = r[3] - rs.get(i - 1)[4];
                    Map<Long, long[]> trace = traces.getOrDefault(r[2], Map.of());
                    causes.add(gap, i > 1 + prefetch ? trace.get(rs.get(i - 2 - prefetch)[6]) : null, rs.get(i - 1),
                            trace.get(rs.get(i - 1)[6]), r, trace.get(r[6]));
                    g += gap;
                    int b = bucket(gap / 1000);
                    count[b]++;
                    sum[b] += gap;
                }
            }
            long t = t1 - rs.get(rs.size() - 1)[4];
            worstTail = Math.max(worstTail, t);
            start += s;
            over += o;
            gaps += g;
            tail += t;
            perWorker.append(String.format(Locale.ROOT, "  worker %d (node %d): %d tasks, start %.2f ms, gaps %.1f ms,"
                    + " overshoot %.1f ms, tail %.2f ms%n", w.getKey(), nodeOf.get(w.getKey()), rs.size(), s / 1e6,
                    g / 1e6, o / 1e6, t / 1e6));
        }
        int workers = byWorker.size();
        long wall = t1 - t0;
        long lost = workers * wall - results.size() * slept;
        int n = results.size();
        System.out.printf(Locale.ROOT, "%s breakdown: %d workers x %.1f ms wall = %.1f worker-ms, ideal %.1f, lost %.1f"
                + " worker-ms (%.0f µs per task):%n", what, workers, wall / 1e6, workers * wall / 1e6,
                n * slept / 1e6, lost / 1e6, lost / 1e3 / n);
        System.out.printf(Locale.ROOT, "  start %.1f (%.1f %%), middle gaps %.1f (%.1f %%, %.0f µs per gap),"
                + " sleep overshoot %.1f (%.1f %%, %.0f µs per task), tail %.1f (%.1f %%, worst %.2f ms)%n",
                start / 1e6, pct(start, lost), gaps / 1e6, pct(gaps, lost), gaps / 1e3 / Math.max(1, n - workers),
                over / 1e6, pct(over, lost), over / 1e3 / n, tail / 1e6, pct(tail, lost), worstTail / 1e6);
        StringBuilder h = new StringBuilder("  gaps:");
        for (int b = 0; b < count.length; b++) {
            String label = b < BOUNDS.length ? "<" + ms(BOUNDS[b]) : ">=" + ms(BOUNDS[BOUNDS.length - 1]);
            h.append(String.format(Locale.ROOT, " %s ms: %d (%.1f ms)", label, count[b], sum[b] / 1e6));
            if (b < count.length - 1) {
                h.append(';');
            }
        }
        System.out.println(h);
        causes.print();
        System.out.print(perWorker);
    }

    /**
     * What preceded each gap, from the node's trace of the next task (entry read, sent to the worker) and of the one
     * before (its outcome at the node): the worker held its next task when the last one ended (the gap is the
     * worker's and the engine's per-task work), or the node had the entry but had not sent it yet, or the node had no
     * entry yet (the fetch chain).
     */
    private static final class Causes {
        private static final String[] NAMES = {"worker held its next task", "node had the entry, not sent yet",
            "node had no entry yet", "no trace"};
        private final long[][] stats = new long[NAMES.length][4];  // count, sum, > 1 ms, > 5 ms
        private final List<List<Long>> reply = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        private final List<Long> toStart = new ArrayList<>();
        private final List<Long> fetch = new ArrayList<>();
        private final List<Long> dispatch = new ArrayList<>();
        private final List<Long> chain = new ArrayList<>();
        private final long t0;
        private final long t1;
        private final long[] when = new long[10];

        Causes(long t0, long t1) {
            this.t0 = t0;
            this.t1 = t1;
        }

        /**
         * {@code before}: the trace of the task whose outcome freed the worker credit {@code next} came for (the one
         * before {@code prev} at prefetch 1; with a read-ahead the node fetched it earlier than that credit).
         */
        void add(long gap, long[] before, long[] prev, long[] prevTrace, long[] next, long[] nextTrace) {
            int c;
            if (prevTrace == null || nextTrace == null) {
                c = 3;
            } else if (nextTrace[1] <= prev[4]) {
                c = 0;
                toStart.add(next[3] - nextTrace[1]);
            } else if (nextTrace[0] <= prev[4]) {
                c = 1;
                dispatch.add(nextTrace[1] - Math.max(nextTrace[0], prevTrace[2]));
            } else {
                c = 2;
                when[(int) Math.min(9, Math.max(0, (prev[4] - t0) * 10 / (t1 - t0)))]++;
                fetch.add(nextTrace[0] - prevTrace[2]);
                if (before != null) {
                    chain.add(nextTrace[0] - before[2]);
                }
            }
            if (c < 3) {
                reply.get(c).add(prevTrace[2] - prev[4]);
            }
            stats[c][0]++;
            stats[c][1] += gap;
            stats[c][2] += gap > 1_000_000 ? 1 : 0;
            stats[c][3] += gap > 5_000_000 ? 1 : 0;
        }

        void print() {
            for (int c = 0; c < NAMES.length; c++) {
                if (stats[c][0] == 0) {
                    continue;
                }
                System.out.printf(Locale.ROOT, "  %s: %d gaps, %.1f ms (%.0f µs each), %d > 1 ms, %d > 5 ms%s%n",
                        NAMES[c], stats[c][0], stats[c][1] / 1e6, stats[c][1] / 1e3 / stats[c][0], stats[c][2],
                        stats[c][3], c < 3 ? "; last outcome at the node " + median(reply.get(c))
                                + " after its end" : "");
            }
            System.out.printf(Locale.ROOT, "  medians: sent -> started when held %s; node had the entry: outcome"
                    + " (or read) -> sent %s; no entry: last outcome at the node -> next entry read %s%n",
                    median(toStart), median(dispatch), median(fetch));
            if (!chain.isEmpty()) {
                List<Long> c = new ArrayList<>(chain);
                c.sort(null);
                System.out.printf(Locale.ROOT, "  no entry: the outcome that freed its credit -> its entry read:"
                        + " median %.1f ms, 90th %.1f ms, max %.1f ms; %d of %d over 20 ms, %d over 90 ms%n",
                        c.get(c.size() / 2) / 1e6, c.get(c.size() * 9 / 10) / 1e6, c.get(c.size() - 1) / 1e6,
                        c.stream().filter(x -> x > 20_000_000).count(), c.size(),
                        c.stream().filter(x -> x > 90_000_000).count());
                StringBuilder h = new StringBuilder("   by ms:");
                long[] edges = {2, 5, 10, 20, 50, 90, 110, 200, Long.MAX_VALUE};
                int k = 0;
                for (long edge : edges) {
                    int from = k;
                    while (k < c.size() && (edge == Long.MAX_VALUE || c.get(k) < edge * 1_000_000)) {
                        k++;
                    }
                    h.append(edge == Long.MAX_VALUE ? " more " : " <" + edge + " ").append(k - from);
                }
                System.out.println(h);
                System.out.println("   when (tenths of the run): " + java.util.Arrays.toString(when)
                        + String.format(Locale.ROOT, "; last submit returned at %.0f ms",
                        (RedisScaleBench.submitted - t0) / 1e6));
            }
        }

        private static String median(List<Long> xs) {
            if (xs.isEmpty()) {
                return "-";
            }
            List<Long> s = new ArrayList<>(xs);
            s.sort(null);
            return String.format(Locale.ROOT, "%.0f µs", s.get(s.size() / 2) / 1e3);
        }
    }

    private static int bucket(long micros) {
        for (int b = 0; b < BOUNDS.length; b++) {
            if (micros < BOUNDS[b]) {
                return b;
            }
        }
        return BOUNDS.length;
    }

    private static String ms(long micros) {
        return micros % 1000 == 0 ? Long.toString(micros / 1000) : String.format(Locale.ROOT, "%.1f", micros / 1e3);
    }

    private static double pct(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }
}
