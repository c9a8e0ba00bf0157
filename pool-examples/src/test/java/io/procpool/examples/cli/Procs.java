package io.procpool.examples.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The Linux process table as /proc shows it: who is whose child, and who is a zombie. */
final class Procs {

    /** One process: its pid, its parent's, and its state letter ({@code Z} for a zombie). */
    record Proc(long pid, long ppid, char state) {
    }

    private Procs() {
    }

    /** The processes whose parent is {@code pid}, alive or zombie. */
    static List<Proc> childrenOf(long pid) {
        List<Proc> children = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : dirs) {
                Proc p = read(dir);
                if (p != null && p.ppid() == pid) {
                    children.add(p);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return children;
    }

    /** Whether a process with this pid exists at all, zombies included. */
    static boolean exists(long pid) {
        return Files.exists(Path.of("/proc", Long.toString(pid)));
    }

    private static Proc read(Path dir) {
        String stat;
        try {
            stat = Files.readString(dir.resolve("stat"));
        } catch (IOException gone) {
            return null;  // exited while we looked
        }
        // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ')'
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new Proc(Long.parseLong(dir.getFileName().toString()), Long.parseLong(f[1]), f[0].charAt(0));
    }
}
