package io.procpool.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The live progress of a batch on stderr. On a terminal: one line rewritten in place a few times a second, with a
 * bar; otherwise (a pipe, a log file) a plain line every second, so that logs stay readable. While the total is not
 * known yet (input still being read) the line shows the items so far with a {@code +} and no bar.
 */
final class Progress {

    private static final Duration TERMINAL_EVERY = Duration.ofMillis(200);
    private static final Duration PLAIN_EVERY = Duration.ofSeconds(1);
    private static final int BAR = 24;

    /** Moves to the start of the line and clears it: the progress line is redrawn at its next update. */
    static final String CLEAR_LINE = "\r\033[K";

    private final PrintWriter err;
    private final boolean terminal;
    private final LongSupplier total;
    private final BooleanSupplier totalKnown;
    private final BatchStats stats;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private long startNanos;

    /** {@code total}: the items of the batch, or so far while {@code totalKnown} says that more may come. */
    Progress(PrintWriter err, boolean terminal, LongSupplier total, BooleanSupplier totalKnown, BatchStats stats) {
        this.err = err;
        this.terminal = terminal;
        this.total = total;
        this.totalKnown = totalKnown;
        this.stats = stats;
        this.thread = new Thread(this::run, "procpool-progress");
        thread.setDaemon(true);
    }

    /** Whether this process's stderr is a terminal (Linux: where /proc/self/fd/2 points), which the JDK cannot say. */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Whether the line is rewritten in place: whoever else writes to stderr starts with {@link #CLEAR_LINE}. */
    boolean terminal() {
        return terminal;
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
        boolean known = totalKnown.getAsBoolean();  // first: once known, the total read next is the last
        long items = total.getAsLong();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        String counts = String.format(Locale.ROOT, "%d/%d%s  ok %d  failed %d  %.0f tasks/s  restarts %d", done,
                items, known ? "" : "+", ok, failed, seconds > 0 ? done / seconds : 0.0, stats.restarts());
        String percent = known ? String.format(Locale.ROOT, "%3d%%  ", items == 0 ? 100 : done * 100 / items) : "";
        if (known && done > 0 && done < items && seconds > 0) {
            counts += String.format(Locale.ROOT, "  eta %.0fs", (items - done) * seconds / done);
        }
        if (terminal) {
            int filled = items == 0 ? BAR : (int) (done * BAR / items);
            String bar = known ? "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " : "";
            // \r and a trailing clear-to-end-of-line: the line shrinks cleanly when a number gets shorter
            err.print("\r" + bar + percent + counts + "\033[K" + (last ? "\n" : ""));
        } else {
            err.println("progress " + percent + counts);
        }
        err.flush();
    }
}
