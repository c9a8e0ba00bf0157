package io.procpool.redis;

import java.security.SecureRandom;

/** Consumer and submitter names. */
public final class Consumers {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Consumers() {
    }

    /**
     * A name unique per incarnation: {@code <host>-<pid>-<random>}. A restarted node is a new consumer, so that it
     * never renews, completes or drops what its previous incarnation held: those entries are reclaimed after the lease.
     */
    public static String unique() {
        String host = System.getenv().getOrDefault("HOSTNAME", "node").replaceAll("[^A-Za-z0-9._-]", "_");
        if (host.length() > 32) {
            host = host.substring(0, 32);
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + Long.toString(RANDOM.nextLong() >>> 1, 36);
    }
}
