package io.procpool.runtime.supervise;

import java.util.concurrent.TimeUnit;

/**
 * How many warm spares to keep, from the crashes seen and what a worker's start costs, as pure code: the caller
 * passes the times (no clock, no process), so that the rule is unit-tested as it runs. I/O thread only.
 *
 * <p>The rule is one spare per crash that falls within one start-time: a replacement that starts when a worker dies
 * is ready one start-time later, so as many spares as crashes come in that time keep every slot served. Measured,
 * that is {@code ceil(n * start / (span + start))} for the {@code n} crashes of the last {@link #WINDOW_NANOS}
 * spread over {@code span} (first to last): one crash wants one spare; a steady rate {@code r} wants about
 * {@code r * start}; crashes older than the window no longer count, so the count falls back to the configured floor
 * a window after the last crash. The result is bounded: at least {@code floor} (the builder's {@code spares}), at
 * most {@code cap} ({@code maxSpares}); {@code cap == floor} turns the sizing off.
 *
 * <p>{@code start} is the median of the last {@link #STARTS} spawn-to-HELLO times of workers that started at normal
 * priority (a spare started at a lower priority is slow on purpose: its start says nothing about a replacement's).
 * A spare beyond the count is stopped (one per periodic idle check) once the crashes that asked for it leave the
 * window.
 *
 * <p>Priority: spares and successors may start at a nice value ({@code spareNice}), so that a start takes CPU from
 * busy workers only where they leave some; they come back to 0 at HELLO, when a slot takes them before that, or half
 * the startup timeout after the spawn ({@link SpareKeeper}). The pool lowers nice values back, which an unprivileged
 * process may not do: without {@code CAP_SYS_NICE} or an {@code RLIMIT_NICE} of 20 the setting is ignored
 * ({@link #startNice}).
 */
public final class Spares {

    /** Crashes older than this no longer size the spares. */
    public static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Crashes remembered (the most a window can hold for the rule; older ones are dropped first). */
    static final int CRASHES = 64;
    /** Start times remembered for the median. */
    static final int STARTS = 8;

    private final int floor;
    private final int cap;
    private final long[] crashes = new long[CRASHES];  // a ring, oldest at crashHead when full
    private int crashCount;
    private int crashHead;
    private final long[] starts = new long[STARTS];
    private int startCount;

    /**
     * @param floor spares always kept (the builder's {@code spares})
     * @param cap   the most spares the crash rate may ask for ({@code maxSpares}, at least {@code floor})
     */
    public Spares(int floor, int cap) {
        if (floor < 0 || cap < floor) {
            throw new IllegalArgumentException("spares need 0 <= floor <= cap; was floor " + floor + ", cap " + cap);
        }
        this.floor = floor;
        this.cap = cap;
    }

    /** Whether the count follows the crash rate at all (a cap above the floor). */
    public boolean sized() {
        return cap > floor;
    }

    /** A worker in a slot died of a crash at {@code now}. */
    public void crashed(long now) {
        crashes[(crashHead + crashCount) % CRASHES] = now;
        if (crashCount < CRASHES) {
            crashCount++;
        } else {
            crashHead = (crashHead + 1) % CRASHES;
        }
    }

    /** A worker started at normal priority said HELLO {@code nanos} after its spawn. */
    public void started(long nanos) {
        starts[startCount % STARTS] = nanos;
        startCount++;
    }

    /** The median start time measured, or {@code fallback} before any start was. */
    public long startNanos(long fallback) {
        int n = Math.min(startCount, STARTS);
        if (n == 0) {
            return fallback;
        }
        long[] s = java.util.Arrays.copyOf(starts, n);
        java.util.Arrays.sort(s);
        return s[n / 2];
    }

    /** How many spares to keep now: at least the floor, at most the cap. */
    public int wanted(long now) {
        if (!sized()) {
            return floor;
        }
        long first = 0;
        long last = 0;
        int n = 0;
        for (int i = 0; i < crashCount; i++) {
            long t = crashes[(crashHead + i) % CRASHES];
            if (now - t <= WINDOW_NANOS) {
                if (n == 0) {
                    first = t;
                }
                last = t;
                n++;
            }
        }
        if (n == 0) {
            return floor;
        }
        long start = Math.max(1, startNanos(TimeUnit.MILLISECONDS.toNanos(500)));
        double span = (double) (last - first) + start;
        long more = (long) Math.ceil(n * (start / span));
        return (int) Math.min(cap, floor + more);
    }

    /**
     * The nice value spares and successors start at: {@code requested}, if the pool may lower it back to 0 when it
     * promotes them (root's {@code CAP_SYS_NICE}, or an {@code RLIMIT_NICE} soft limit of 20 or more), else 0: a
     * worker that could not come back to normal priority would run its tasks starved behind the others.
     */
    public static int startNice(int requested, boolean capSysNice, long rlimitNice) {
        return requested > 0 && (capSysNice || rlimitNice >= 20) ? requested : 0;
    }

    /** Whether {@code /proc/self/status}'s text gives the effective capability {@code CAP_SYS_NICE} (bit 23). */
    public static boolean capSysNice(String procStatus) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 23)) != 0;
            }
        }
        return false;
    }
}
