package io.procpool.examples.cli;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import io.procpool.Task;
import io.procpool.TaskContext;

/**
 * One item of the demo batch: SHA-256 applied {@code rounds} times to a 32-byte buffer derived from
 * {@code itemSeed}; the result is the first 8 bytes of the last digest. Pure CPU, a few milliseconds at the default
 * rounds, and checkable: {@link #compute} gives the same value here as in a worker.
 *
 * @param itemSeed            where the buffer comes from
 * @param rounds              how many times to hash (at least 1)
 * @param crashOnFirstAttempt whether the task kills its worker on its first attempt (the retry then succeeds)
 */
public record HashChain(long itemSeed, int rounds, boolean crashOnFirstAttempt) implements Task<Long> {

    /** The exit code of a worker that an injected crash kills. */
    public static final int CRASH_EXIT_CODE = 3;

    public HashChain {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, was " + rounds);
        }
    }

    @Override
    public Long call() {
        if (crashOnFirstAttempt && TaskContext.current().attempt() == 1) {
            // halt, not exit: no shutdown hook, no goodbye on the channel, as if the worker segfaulted; the pool has
            // to notice the death on its own, replace the worker and retry this task elsewhere
            Runtime.getRuntime().halt(CRASH_EXIT_CODE);
        }
        return compute(itemSeed, rounds);
    }

    /** The value of the chain, computed in this JVM. */
    public static long compute(long itemSeed, int rounds) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        ByteBuffer start = ByteBuffer.allocate(32);
        long s = itemSeed;
        for (int i = 0; i < 4; i++) {
            s = DemoBatch.mix(s + DemoBatch.GOLDEN);
            start.putLong(s);
        }
        byte[] digest = start.array();
        for (int i = 0; i < rounds; i++) {
            digest = sha.digest(digest);
        }
        return ByteBuffer.wrap(digest).getLong();
    }
}
