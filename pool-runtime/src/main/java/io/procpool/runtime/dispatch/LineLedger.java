package io.procpool.runtime.dispatch;

import java.util.ArrayDeque;
import java.util.List;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;

/**
 * One line-mode worker's replies that are not believed yet ({@link LineCheck}): each answered request with the line
 * that came for it, in order. At the worker's exit they are confirmed all at once, or none is. I/O thread only.
 */
final class LineLedger {

    /** A request and the line that answered it, if the worker kept in step. */
    record Reply(Job job, byte[] body) {
    }

    /** How a worker's exit judges its replies. */
    enum Verdict {
        /** Exited 0 on its own or at the end of its input, every request answered, no stray line: believed. */
        TRUSTED,
        /** Answered out of step (a line for no request, or the end of its input with requests unanswered). */
        OUT_OF_STEP,
        /** Died or was killed before it could be checked: its replies may be right, but nothing proves it. */
        UNCHECKED
    }

    private final ArrayDeque<Reply> replies = new ArrayDeque<>();

    void add(Job job, byte[] body) {
        replies.addLast(new Reply(job, body));
    }

    boolean isEmpty() {
        return replies.isEmpty();
    }

    int size() {
        return replies.size();
    }

    /** Takes every reply, oldest first. */
    List<Reply> takeAll() {
        List<Reply> all = List.copyOf(replies);
        replies.clear();
        return all;
    }

    /**
     * The verdict on a worker that exited with {@code status}, with {@code unanswered} requests still held, having
     * been stopped by the pool for {@code reason} (null: it left on its own) after {@code killReason} (null: not
     * killed).
     */
    static Verdict verdict(ExitStatus status, int unanswered, ExitReason reason, String killReason) {
        if (reason == ExitReason.PROTOCOL_ERROR) {
            return Verdict.OUT_OF_STEP;
        }
        if (killReason != null || !status.success()) {
            return Verdict.UNCHECKED;
        }
        return unanswered == 0 ? Verdict.TRUSTED : Verdict.OUT_OF_STEP;
    }
}
