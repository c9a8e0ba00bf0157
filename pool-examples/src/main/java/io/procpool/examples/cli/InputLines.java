package io.procpool.examples.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The lines (or NUL-separated items) of a run's input, read as UTF-8 on a thread of their own a little ahead of the
 * run: the run never blocks in a read, so it can write what completed while the input trickles in (a terminal, a slow
 * pipe) and stop at once on Ctrl-C. The thread is a daemon: a read of a terminal's stdin does not end when the run does.
 */
final class InputLines {

    /** A line: its number (from 1) and text; or the end of the input; or why it could not be read. */
    record Line(long number, String text, String error) {
        boolean end() {
            return text == null && error == null;
        }
    }

    private static final Line END = new Line(0, null, null);
    private static final Duration HAND_OFF = Duration.ofMillis(100);

    private final InputStream in;
    private final boolean nul;
    private final BlockingQueue<Line> lines = new ArrayBlockingQueue<>(1024);
    private final Thread thread;
    private volatile boolean complete;  // read to its end
    private volatile boolean stopped;   // the run is over: stop reading

    /** The lines of {@code in}; with {@code nul}, its NUL-separated items instead (find -print0, --null). */
    InputLines(InputStream in, boolean nul) {
        this.in = in;
        this.nul = nul;
        this.thread = new Thread(this::read, "procpool-run-input");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops the reading; a read in progress ends with the input's close, or with the JVM. */
    void stop() {
        stopped = true;
    }

    /** The next line, waiting at most {@code wait}; null when none came. */
    Line poll(Duration wait) throws InterruptedException {
        return wait.isZero() ? lines.poll() : lines.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether every line has been read and taken: the count of lines taken is the input's. */
    boolean allTaken() {
        return complete && lines.isEmpty();
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            long n = 0;
            for (String s; (s = nul ? readItem(r) : r.readLine()) != null; ) {
                if (!hand(new Line(++n, s, null))) {
                    return;
                }
            }
            complete = true;
            hand(END);
        } catch (IOException e) {
            hand(new Line(0, null, e.getMessage() != null ? e.getMessage() : e.toString()));
        }
    }

    /** The next NUL-ended item (the last may lack its NUL), or null at the end. */
    private static String readItem(BufferedReader r) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = r.read()) >= 0; ) {
            if (c == 0) {
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** Puts a line in the queue, waiting while it is full; false when the run stopped meanwhile. */
    private boolean hand(Line line) {
        try {
            while (!stopped) {
                if (lines.offer(line, HAND_OFF.toNanos(), TimeUnit.NANOSECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
