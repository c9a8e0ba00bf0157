package io.procpool.redis;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** This JVM's child processes from /proc (zombies included): tests end by asserting that none is left. */
final class Children {

    private static final long SELF = ProcessHandle.current().pid();

    private Children() {
    }

    static List<String> ofThisJvm() {
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

    /** Waits (10 s at most) until this JVM has no child at all, alive or zombie. */
    static void assertNoneLeft() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(Children::ofThisJvm, List::isEmpty);
    }
}
