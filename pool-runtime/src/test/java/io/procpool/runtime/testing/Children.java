package io.procpool.runtime.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Looks at this JVM's child processes in /proc: tests end by asserting that none is alive and none is a zombie. */
public final class Children {

    private static final long SELF = ProcessHandle.current().pid();

    private Children() {
    }

    /** "pid state command" for every process whose parent is this JVM, zombies included. */
    public static List<String> ofThisJvm() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                int close = stat.lastIndexOf(')');
                String[] f = stat.substring(close + 2).split(" ");
                if (Long.parseLong(f[1]) == SELF) {
                    out.add(name + " " + f[0] + " " + stat.substring(stat.indexOf('(') + 1, close));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Waits (a few seconds at most) until this JVM has no child at all, alive or zombie; fails otherwise. */
    public static void assertNoneLeft() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(Children::ofThisJvm, List::isEmpty);
    }

    /** The state letter of a process (R, S, Z, ...), or null when it is gone. */
    public static String state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
        } catch (IOException gone) {
            return null;
        }
    }
}
