package io.procpool.redis;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One task as a node holds it: an entry of the task stream.
 *
 * <p>Fields of the entry: {@code id} (the task id, unique per submitter: {@code <submitter>:<n>}), {@code reply}
 * (the submitter's reply stream), {@code max} (maxAttempts), {@code timeout} (milliseconds a worker may take, 0 for
 * none), {@code body} (the task's bytes as the submitter encoded them, opaque here).
 *
 * @param entryId    the stream entry id
 * @param taskId     the task id
 * @param replyTo    the reply stream key
 * @param maxAttempts how many deliveries the task may use
 * @param timeout    how long a worker may take, or null for none
 * @param body       the task's bytes
 * @param deliveries the entry's delivery count when this node got it: its attempt number
 */
public record TaskEntry(String entryId, String taskId, String replyTo, int maxAttempts, java.time.Duration timeout,
                        byte[] body, long deliveries) {

    static final String ID = "id";
    static final String REPLY = "reply";
    static final String MAX = "max";
    static final String BODY = "body";
    static final String TIMEOUT = "timeout";
    /** Bytes in front of every body, for the attempt number of the frame ({@code RedisSubmitter} reserves them). */
    static final int RESERVED = 2;

    /** The fields to XADD for a new task. */
    static Map<String, byte[]> fields(String taskId, String replyTo, int maxAttempts, long timeoutMillis,
                                      byte[] body) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put(ID, utf8(taskId));
        m.put(REPLY, utf8(replyTo));
        m.put(MAX, utf8(Integer.toString(maxAttempts)));
        m.put(TIMEOUT, utf8(Long.toString(timeoutMillis)));
        m.put(BODY, body);
        return m;
    }

    /**
     * Reads an entry; a malformed one (no id, reply or a bad max) gives a description of what is wrong instead, so
     * that the caller can dead-letter it at once.
     */
    static TaskEntry parse(String entryId, Map<String, byte[]> f, long deliveries) throws MalformedEntry {
        byte[] id = f.get(ID);
        byte[] reply = f.get(REPLY);
        byte[] max = f.get(MAX);
        byte[] body = f.get(BODY);
        if (id == null || reply == null || max == null || body == null) {
            throw new MalformedEntry(entryId, "entry " + entryId + " lacks one of the fields id, reply, max, body: "
                    + f.keySet(), reply == null ? null : str(reply));
        }
        if (body.length < RESERVED) {
            // the engine writes the attempt number into those bytes: a shorter body would fail there, on its I/O
            // thread, leaving the job on a worker's credit and the entry held (renewed) for ever
            throw new MalformedEntry(entryId, "entry " + entryId + " has a body of " + body.length + " bytes, less than"
                    + " the " + RESERVED + " a task body reserves in front", str(reply));
        }
        int m;
        try {
            m = Integer.parseInt(str(max));
        } catch (NumberFormatException e) {
            m = -1;
        }
        if (m < 1 || m > 100) {
            throw new MalformedEntry(entryId, "entry " + entryId + " has max=" + str(max) + ", not 1..100", str(reply));
        }
        long t = 0;
        byte[] timeout = f.get(TIMEOUT);
        if (timeout != null) {
            try {
                t = Long.parseLong(str(timeout));
            } catch (NumberFormatException e) {
                t = -1;
            }
        }
        if (t < 0) {
            throw new MalformedEntry(entryId, "entry " + entryId + " has timeout=" + str(timeout)
                    + ", not a count of milliseconds", str(reply));
        }
        return new TaskEntry(entryId, str(id), str(reply), m, t == 0 ? null : java.time.Duration.ofMillis(t), body,
                deliveries);
    }

    /** This entry delivered once more. */
    TaskEntry withDeliveries(long n) {
        return new TaskEntry(entryId, taskId, replyTo, maxAttempts, timeout, body, n);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "TaskEntry[" + entryId + ", task " + taskId + ", delivery " + deliveries + "/" + maxAttempts + ", "
                + body.length + " bytes]";
    }

    /** An entry that is not a task: it goes to the dead-letter stream at once. */
    static final class MalformedEntry extends Exception {
        final String entryId;
        final String replyTo;

        MalformedEntry(String entryId, String message, String replyTo) {
            super(message, null, false, false);
            this.entryId = entryId;
            this.replyTo = replyTo;
        }
    }
}
