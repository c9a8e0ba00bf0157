package io.procpool.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A task's outcome as it travels on the submitter's reply stream. Fields: {@code id}, {@code outcome},
 * {@code attempt}, {@code body} (the result's bytes, empty unless {@code ok}), {@code class}, {@code message},
 * {@code stack} (the failure, empty for {@code ok}).
 *
 * @param taskId  the task id
 * @param outcome how it ended
 * @param attempt the delivery that ended it
 * @param body    the result's bytes ({@code ok}); empty otherwise
 * @param errorClass   the failure's class name (for a task that threw: its exception's), empty for {@code ok}
 * @param errorMessage the failure's message
 * @param errorStack   the failure's stack text
 */
public record Reply(String taskId, Outcome outcome, long attempt, byte[] body, String errorClass,
                    String errorMessage, String errorStack) {

    /** How a task ended. */
    public enum Outcome {
        /** It returned: {@code body} is the result. */
        OK,
        /** It threw: the error fields are its exception's. */
        FAILED,
        /** Its timeout passed. */
        TIMEOUT,
        /** It used every attempt (its workers or nodes died) and went to the dead-letter stream. */
        DEAD,
        /** It was cancelled. */
        CANCELLED,
        /** Not an end: a progress event of the running task ({@code TaskContext.emit}), its bytes in {@code body}. */
        EVENT;

        private final String tag = name().toLowerCase(Locale.ROOT);

        String tag() {
            return tag;
        }
    }

    public static Reply ok(String taskId, long attempt, byte[] body) {
        return new Reply(taskId, Outcome.OK, attempt, body, "", "", "");
    }

    /** A progress event: the worker's EVENT bytes (the task's serialization), on its way to the submitter. */
    public static Reply event(String taskId, long attempt, byte[] body) {
        return new Reply(taskId, Outcome.EVENT, attempt, body, "", "", "");
    }

    public static Reply failed(String taskId, Outcome outcome, long attempt, String cls, String message,
                               String stack) {
        return new Reply(taskId, outcome, attempt, new byte[0], cls, message == null ? "" : message,
                stack == null ? "" : stack);
    }

    private static final byte[] ID = TaskEntry.utf8("id");
    private static final byte[] OUTCOME = TaskEntry.utf8("outcome");
    private static final byte[] ATTEMPT = TaskEntry.utf8("attempt");
    private static final byte[] BODY = TaskEntry.utf8("body");
    private static final byte[] CLASS = TaskEntry.utf8("class");
    private static final byte[] MESSAGE = TaskEntry.utf8("message");
    private static final byte[] STACK = TaskEntry.utf8("stack");

    /**
     * The field/value pairs the completion script writes, flattened. Empty error fields are left out ({@link #parse}
     * reads a missing one as empty): an {@code ok} reply is 4 pairs, not 7, to encode, store and read.
     */
    List<byte[]> flatten() {
        List<byte[]> a = new ArrayList<>(14);
        add(a, ID, TaskEntry.utf8(taskId));
        add(a, OUTCOME, TaskEntry.utf8(outcome.tag()));
        add(a, ATTEMPT, TaskEntry.utf8(Long.toString(attempt)));
        add(a, BODY, body);
        addUnlessEmpty(a, CLASS, errorClass);
        addUnlessEmpty(a, MESSAGE, errorMessage);
        addUnlessEmpty(a, STACK, errorStack);
        return a;
    }

    private static void add(List<byte[]> a, byte[] k, byte[] v) {
        a.add(k);
        a.add(v);
    }

    private static void addUnlessEmpty(List<byte[]> a, byte[] k, String v) {
        if (!v.isEmpty()) {
            add(a, k, TaskEntry.utf8(v));
        }
    }

    /** Reads a reply entry; null when it is not one (no id or an unknown outcome). */
    static Reply parse(Map<String, byte[]> f) {
        byte[] id = f.get("id");
        byte[] outcome = f.get("outcome");
        if (id == null || outcome == null) {
            return null;
        }
        Outcome o;
        try {
            o = Outcome.valueOf(TaskEntry.str(outcome).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
        long attempt;
        try {
            attempt = Long.parseLong(text(f, "attempt"));
        } catch (NumberFormatException e) {
            attempt = 0;
        }
        byte[] body = f.get("body");
        return new Reply(TaskEntry.str(id), o, attempt, body == null ? new byte[0] : body, text(f, "class"),
                text(f, "message"), text(f, "stack"));
    }

    private static String text(Map<String, byte[]> f, String k) {
        byte[] v = f.get(k);
        return v == null ? "" : TaskEntry.str(v);
    }

    @Override
    public String toString() {
        return "Reply[" + taskId + ", " + outcome.tag() + ", attempt " + attempt
                + (outcome == Outcome.OK || outcome == Outcome.EVENT ? ", " + body.length + " bytes"
                        : ", " + errorClass + ": " + errorMessage)
                + "]";
    }
}
