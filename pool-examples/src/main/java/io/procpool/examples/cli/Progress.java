package io.procpool.examples.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The live progress of a batch on stderr. On a terminal: one line rewritten in place a few times a second, with a
 * bar; otherwise (a pipe, a log file) a plain line every second, so that logs stay readable.
 */
final class Progress {

    private static final Duration TERMINAL_EVERY = Duration.ofMillis(200);
    private static final Duration PLAIN_EVERY = Duration.ofSeconds(1);
    private static final int BAR = 24;

    private final PrintWriter err;
    private final boolean terminal;
    private final int total;
    private final BatchStats stats;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private long startNanos;

    Progress(PrintWriter err, boolean terminal, int total, BatchStats stats) {
        this.err = err;
        this.terminal = terminal;
        this.total = total;
        this.stats = stats;
        this.thread = new Thread(this::run, "procpool-demo-progress");
        thread.setDaemon(true);
    }

    void start() {
        startNanos = System.nanoTime();
        thread.start();
    }

    /** Stops the updates after printing the last state (and ending the line on a terminal). Idempotent. */
    void stop() {
        if (stop.getCount() == 0) {
            return;
        }
        stop.countDown();
        if (thread.isAlive() && thread != Thread.currentThread()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        Duration every = terminal ? TERMINAL_EVERY : PLAIN_EVERY;
        try {
            while (!stop.await(every.toNanos(), TimeUnit.NANOSECONDS)) {
                print(false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        print(true);  // the final state, also when the batch ended between two updates
    }

    private void print(boolean last) {
        long ok = stats.ok();
        long failed = stats.failed();
        long done = ok + failed;
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        int percent = total == 0 ? 100 : (int) (done * 100 / total);
        String counts = String.format(Locale.ROOT, "%d/%d  ok %d  failed %d  %.0f tasks/s  restarts %d", done, total,
                ok, failed, seconds > 0 ? done / seconds : 0.0, stats.restarts());
        if (terminal) {
            int filled = total == 0 ? BAR : (int) (done * BAR / total);
            // \r and a trailing clear-to-end-of-line: the line shrinks cleanly when a number gets shorter
            err.print("\r[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] "
                    + String.format(Locale.ROOT, "%3d%%  ", percent) + counts + "\033[K" + (last ? "\n" : ""));
        } else {
            err.println("progress " + String.format(Locale.ROOT, "%3d%%  ", percent) + counts);
        }
        err.flush();
    }
}
