package io.procpool.runtime.dispatch;

import java.time.Duration;

/**
 * Line mode with checked replies: a worker's replies are believed only once it has exited cleanly with every request
 * answered and no line to spare. An extra line (a debug print) or a missing reply shifts every later reply onto the
 * wrong request, and nothing in the lines themselves tells; the only proof that a worker answered each request
 * exactly once is its exit, with all it wrote read. So a worker's replies wait ({@link LineLedger}) until it exits;
 * its input is ended after {@code every} tasks, when it idles with unconfirmed replies and nothing is queued, and when
 * it holds a request without a word for {@code stall} (a block-buffered worker then flushes and answers at exit).
 *
 * @param every tasks after which a worker's input is ended so that its replies are checked (its successor takes
 *              over first, so capacity does not dip)
 * @param stall how long a worker may hold a request without writing a line before its input is ended
 */
public record LineCheck(int every, Duration stall) {

    /** How long a worker with unconfirmed replies may idle, nothing queued, before its input is ended. */
    static final Duration IDLE = Duration.ofMillis(20);

    public LineCheck {
        if (every < 1) {
            throw new IllegalArgumentException("the check interval must be at least 1 task, was " + every);
        }
        if (stall == null || stall.toMillis() < 1) {
            throw new IllegalArgumentException("the stall period must be at least 1 ms, was " + stall);
        }
    }
}
