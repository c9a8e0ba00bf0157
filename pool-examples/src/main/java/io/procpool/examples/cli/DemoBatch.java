package io.procpool.examples.cli;

/**
 * The demo's items, all derived from the seed: item {@code i} is a {@link HashChain} whose buffer seed and whether it
 * crashes its worker are pure functions of {@code (seed, i)}, so that a run can be checked against a recomputation
 * (tests use {@link #crashCount()} and {@link #expectedCheck()}).
 *
 * @param items     how many items
 * @param seed      what every item derives from
 * @param crashRate the share of items that crash their worker on the first attempt, 0..1
 * @param rounds    SHA-256 rounds per item
 */
public record DemoBatch(int items, long seed, double crashRate, int rounds) {

    /** The SplitMix64 increment (2^64 / golden ratio). */
    static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long CRASH_SALT = 0x5DEECE66DL;

    public DemoBatch {
        if (items < 0) {
            throw new IllegalArgumentException("items must not be negative, was " + items);
        }
        if (!(crashRate >= 0 && crashRate <= 1)) {
            throw new IllegalArgumentException("crashRate must be 0..1, was " + crashRate);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, was " + rounds);
        }
    }

    /** The task of item {@code index} (0-based). */
    public HashChain item(int index) {
        return new HashChain(itemSeed(index), rounds, crashes(index));
    }

    /** Whether item {@code index} kills its worker on its first attempt. */
    public boolean crashes(int index) {
        double u = (mix(itemSeed(index) ^ CRASH_SALT) >>> 11) * 0x1.0p-53;  // uniform in [0, 1)
        return u < crashRate;
    }

    /** How many items crash their worker once: the restarts a clean run shows. */
    public int crashCount() {
        int n = 0;
        for (int i = 0; i < items; i++) {
            if (crashes(i)) {
                n++;
            }
        }
        return n;
    }

    /**
     * The contribution of item {@code index} with result {@code value} to the check value. The check is the sum of
     * these over the items that succeeded: independent of the order in which results arrive.
     */
    public static long checkTerm(int index, long value) {
        return mix(value ^ mix((index + 1L) * GOLDEN));
    }

    /** The check value of a run in which every item succeeded, computed in this JVM. */
    public long expectedCheck() {
        long check = 0;
        for (int i = 0; i < items; i++) {
            check += checkTerm(i, HashChain.compute(itemSeed(i), rounds));
        }
        return check;
    }

    /** How a check value is printed: 16 hex digits. */
    public static String format(long check) {
        return String.format("%016x", check);
    }

    private long itemSeed(int index) {
        return mix(seed + (index + 1L) * GOLDEN);
    }

    /** The SplitMix64 finalizer: a bijection on longs that spreads every input bit over the output. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
