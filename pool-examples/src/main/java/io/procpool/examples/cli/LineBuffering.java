package io.procpool.examples.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks a worker to line-buffer its stdout where a convention exists, so that a filter written for a terminal answers
 * each line at once through a pipe: {@code PYTHONUNBUFFERED=1} for Python, and for C programs on glibc stdio what
 * coreutils' {@code stdbuf -oL} does, the {@code libstdbuf.so} preload with {@code _STDBUF_O=L}. The library is looked
 * up where distributions put it; when it is not found but {@code stdbuf} is on the PATH, the command is wrapped in
 * {@code stdbuf -oL}. A program that sets its own buffering (setvbuf, a Python file opened with a buffer) is not
 * changed: the run's stall warning names that cause.
 */
final class LineBuffering {

    private static final List<String> LIBRARY_DIRS = List.of("/usr/libexec/coreutils", "/usr/lib/coreutils",
            "/usr/lib64/coreutils", "/usr/local/libexec/coreutils", "/usr/lib/x86_64-linux-gnu/coreutils",
            "/usr/lib/aarch64-linux-gnu/coreutils", "/usr/libexec/coreutils/lib");

    private final Path library;
    private final Path stdbuf;

    private LineBuffering(Path library, Path stdbuf) {
        this.library = library;
        this.stdbuf = stdbuf;
    }

    /** What this machine offers. */
    static LineBuffering detect() {
        Path lib = null;
        for (String dir : LIBRARY_DIRS) {
            Path p = Path.of(dir, "libstdbuf.so");
            if (Files.isReadable(p)) {
                lib = p;
                break;
            }
        }
        if (lib == null) {
            lib = multiarch();
        }
        return new LineBuffering(lib, lib != null ? null : onPath("stdbuf"));
    }

    /** The variables for the workers, given the JVM's environment (an existing preload is kept). */
    Map<String, String> environment(Map<String, String> inherited) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PYTHONUNBUFFERED", "1");
        if (library != null) {
            String preload = inherited.get("LD_PRELOAD");
            env.put("LD_PRELOAD", preload == null || preload.isBlank() ? library.toString()
                    : preload + ":" + library);
            env.put("_STDBUF_O", "L");
        }
        return env;
    }

    /** The command, wrapped in {@code stdbuf -oL} when that is how line buffering is asked for here. */
    List<String> command(List<String> command) {
        if (stdbuf == null) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(stdbuf.toString(), "-oL"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Debian-style multiarch directories: /usr/lib/TRIPLET/coreutils/libstdbuf.so. */
    private static Path multiarch() {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/usr/lib"), "*-linux-gnu*")) {
            for (Path d : dirs) {
                Path p = d.resolve("coreutils/libstdbuf.so");
                if (Files.isReadable(p)) {
                    return p;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no such directory: not a multiarch system
        }
        return null;
    }

    private static Path onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
