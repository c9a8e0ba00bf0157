package io.procpool.redis;

import java.util.regex.Pattern;

/**
 * The Redis keys of one pool. Every key carries the pool name as a hash tag, so that a script that touches the task
 * stream, a reply stream and the dead-letter stream stays in one slot (Redis Cluster) too.
 *
 * <ul>
 *   <li>{@code procpool:{pool}:tasks} — the task stream, consumer group {@code nodes}; entries are deleted when
 *   completed, never trimmed by length;</li>
 *   <li>{@code procpool:{pool}:dead} — the dead-letter stream: the task's fields plus {@code error},
 *   {@code deliveries}, {@code consumer} and {@code entry};</li>
 *   <li>{@code procpool:{pool}:reply:<submitter>} — one reply stream per submitter incarnation;</li>
 *   <li>{@code procpool:{pool}:cancels} — the control stream: {@code entry} ids of cancelled tasks that a node held,
 *   read by every node (trimmed to about 1,000: a node that misses one finds the entry gone at its next renewal).</li>
 * </ul>
 *
 * @param pool the pool name: 1..64 of {@code [A-Za-z0-9._-]}
 */
public record StreamLayout(String pool) {

    /** The consumer group every node of the pool reads with. */
    public static final String GROUP = "nodes";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public StreamLayout {
        if (pool == null || !NAME.matcher(pool).matches()) {
            throw new IllegalArgumentException("pool name must be 1..64 of [A-Za-z0-9._-], was " + pool);
        }
    }

    public String tasks() {
        return prefix() + "tasks";
    }

    public String dead() {
        return prefix() + "dead";
    }

    public String cancels() {
        return prefix() + "cancels";
    }

    public String replies(String submitter) {
        if (!NAME.matcher(submitter).matches()) {
            throw new IllegalArgumentException("submitter id must be 1..64 of [A-Za-z0-9._-], was " + submitter);
        }
        return prefix() + "reply:" + submitter;
    }

    private String prefix() {
        return "procpool:{" + pool + "}:";
    }
}
