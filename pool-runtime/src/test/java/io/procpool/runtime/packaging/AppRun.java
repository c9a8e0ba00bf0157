package io.procpool.runtime.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of a packaged application in its own JVM (a child of the test JVM, reaped here): its output, and what
 * it printed about its pool.
 *
 * @param exit   its exit code
 * @param stdout what it printed on stdout
 * @param stderr what it printed on stderr
 * @param pid    its pid
 */
record AppRun(int exit, String stdout, String stderr, long pid) {

    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** Runs {@code java args...} in {@code cwd} with these extra environment variables; waits for it to exit. */
    static AppRun run(Path cwd, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return run(JAVA, cwd, env, args);
    }

    /** Runs {@code java args...} with this java. */
    static AppRun run(String java, Path cwd, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(List.of(args));
        Path out = Files.createTempFile(cwd, "stdout", ".txt");
        Path err = Files.createTempFile(cwd, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("the application did not exit within 120 s: " + command + "\nstdout:\n"
                    + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
        }
        AppRun run = new AppRun(p.exitValue(), Files.readString(out), Files.readString(err), p.pid());
        Files.delete(out);
        Files.delete(err);
        return run;
    }

    /** The value of the line {@code KEY value} it printed. */
    String value(String key) {
        return stdout.lines().filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no " + key + " line in:\n" + this));
    }

    /** Asserts that it ran both tasks in a worker of its own, in {@code workerDir}, and closed the pool. */
    AppRun ranTasks(Path workerDir) {
        assertThat(exit).as("exit code of %s", this).isZero();
        assertThat(value("RECORD")).isEqualTo("144");
        assertThat(value("LAMBDA")).startsWith("lambda from pid ").isNotEqualTo("lambda from pid " + pid);
        assertThat(value("CWD")).isEqualTo(workerDir.toString());
        assertThat(value("RING")).as("the worker sends through its shared ring").isEqualTo("3 1048576");
        assertThat(stdout).contains("CLOSED");
        return this;
    }

    /** The worker's start-up (spawn to HELLO) in ms. */
    long startupMillis() {
        return Long.parseLong(value("STARTUP"));
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
    }
}
