package io.procpool.runtime.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.awaitility.core.ConditionTimeoutException;

/**
 * The process table as /proc shows it, for tests: who is whose child, alive or zombie, and with which command line.
 * Tests end by asserting that this JVM has no child left (see {@link NoChildLeft}).
 */
public final class Children {

    /** How long children that are on their way out get before a leftover fails the test. */
    public static final Duration EXIT_GRACE = Duration.ofSeconds(10);

    private static final long SELF = ProcessHandle.current().pid();
    private static final int MAX_COMMAND = 200;

    /** One process: its pid, its state letter ({@code Z} for a zombie) and what it runs. */
    public record Child(long pid, char state, String command) {

        public boolean zombie() {
            return state == 'Z';
        }

        @Override
        public String toString() {
            return "pid " + pid + " " + (zombie() ? "zombie (exited, never reaped): " : "alive (" + state + "): ")
                    + command;
        }
    }

    private Children() {
    }

    /** The children of this JVM, zombies included. */
    public static List<Child> ofThisJvm() {
        return of(SELF);
    }

    /** The processes whose parent is {@code parent}, alive or zombie. */
    public static List<Child> of(long parent) {
        List<Child> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : dirs) {
                String stat = read(dir.resolve("stat"));
                if (stat == null) {
                    continue;  // exited while we looked
                }
                // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ')'
                int close = stat.lastIndexOf(')');
                String[] f = stat.substring(close + 2).split(" ");
                if (Long.parseLong(f[1]) == parent) {
                    long pid = Long.parseLong(dir.getFileName().toString());
                    out.add(new Child(pid, f[0].charAt(0), command(dir, stat.substring(stat.indexOf('(') + 1, close))));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return out;
    }

    /** Whether a process with this pid exists at all, zombies included. */
    public static boolean exists(long pid) {
        return Files.exists(Path.of("/proc", Long.toString(pid)));
    }

    /** The state letter of a process (R, S, Z, ...), or null when it is gone. */
    public static String state(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        return stat == null ? null : stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
    }

    /** Fails at once, naming them, if this JVM has any child, alive or zombie. */
    public static void assertNoneNow() {
        List<Child> left = ofThisJvm();
        if (!left.isEmpty()) {
            throw new AssertionError(describe(left, Duration.ZERO, Set.of()));
        }
    }

    /** Waits ({@link #EXIT_GRACE} at most) until this JVM has no child at all, alive or zombie; fails otherwise. */
    public static void assertNoneLeft() {
        assertNoneLeft(EXIT_GRACE, Set.of());
    }

    /**
     * Waits (polling, {@code grace} at most) for children on their way out; then fails, naming each child left with
     * its command line, and marking those in {@code before} (there before the test began, so leaked earlier).
     */
    public static void assertNoneLeft(Duration grace, Collection<Long> before) {
        try {
            await().atMost(grace).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                    .until(() -> ofThisJvm().isEmpty());
        } catch (ConditionTimeoutException timedOut) {
            List<Child> left = ofThisJvm();
            if (!left.isEmpty()) {
                throw new AssertionError(describe(left, grace, before));
            }
        }
    }

    private static String describe(List<Child> left, Duration grace, Collection<Long> before) {
        return left.size() + (left.size() == 1 ? " child" : " children") + " of this JVM (pid " + SELF + ") left"
                + (grace.isZero() ? "" : " " + grace.toSeconds() + " s after the test") + ":\n  "
                + left.stream().map(c -> c + (before.contains(c.pid()) ? "  [already there before this test]" : ""))
                        .collect(Collectors.joining("\n  "));
    }

    /** The command line (NULs as spaces, cut short), or the kernel's name for it when it has none (a zombie). */
    private static String command(Path dir, String comm) {
        String cmdline = read(dir.resolve("cmdline"));
        if (cmdline == null || cmdline.isEmpty()) {
            return "[" + comm + "]";
        }
        String line = cmdline.replace('\0', ' ').strip();
        return line.length() <= MAX_COMMAND ? line : line.substring(0, MAX_COMMAND) + "...";
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException gone) {
            return null;
        }
    }
}
