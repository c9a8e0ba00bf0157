package io.procpool.runtime.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds and locates the test children: C programs compiled with the system's cc, and Java mains. */
public final class TestPrograms {

    private static final Path SOURCES = Path.of("src/test/c");
    private static final Path BIN = Path.of("target/test-bin");

    private TestPrograms() {
    }

    /** Compiles src/test/c/NAME.c once (when missing or older than its source) and returns the binary's path. */
    public static synchronized Path c(String name) {
        return compile(SOURCES.resolve(name + ".c"), name);
    }

    /** The reference workers of pool-examples (Python, C, shell): the protocol's conformance fixtures. */
    public static final Path WORKERS = Path.of("..", "pool-examples", "src", "main", "workers").toAbsolutePath()
            .normalize();

    /** The reference C worker, compiled. */
    public static Path cWorker() {
        return compile(WORKERS.resolve("c/procpool_worker.c"), "procpool_worker");
    }

    /** Compiles a C source once (when missing or older than its source) into target/test-bin/NAME. */
    public static synchronized Path compile(Path source, String name) {
        Path src = source.toAbsolutePath();
        Path bin = BIN.resolve(name).toAbsolutePath();
        try {
            if (Files.exists(bin) && Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) >= 0) {
                return bin;
            }
            Files.createDirectories(BIN);
            Process cc = new ProcessBuilder("cc", "-O2", "-Wall", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String out = new String(cc.getInputStream().readAllBytes());
            if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
                throw new IllegalStateException("cc failed for " + src + ":\n" + out);
            }
            return bin;
        } catch (IOException e) {
            throw new IllegalStateException("cannot compile " + src + " (is cc installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A command line that runs {@code mainClass} in a new JVM with this JVM's class path. */
    public static List<String> java(Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xshare:auto");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
