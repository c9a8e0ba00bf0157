package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code procpool demo} as its own JVM, the way a user runs it: exit codes, streams, Ctrl-C. */
class DemoProcessTest {

    private static final long WAIT_SECONDS = 30;

    private Process demo;

    @AfterEach
    void stopDemo() throws InterruptedException {
        if (demo != null && demo.isAlive()) {
            demo.destroyForcibly();  // only after a failed assertion
            demo.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** Starts {@code java -cp <this class path> io.procpool.examples.cli.Main demo args...}. */
    private Streams start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "demo"));
        command.addAll(List.of(args));
        demo = new ProcessBuilder(command).start();
        return new Streams(demo);
    }

    @Test
    void batchRunsAsAProcessAndExitsZero() throws Exception {
        Streams streams = start("--items", "100", "--workers", "2");

        assertThat(demo.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("demo ended").isTrue();
        String out = streams.out.get(WAIT_SECONDS, TimeUnit.SECONDS);
        System.out.print(out);

        assertThat(demo.exitValue()).isZero();
        DemoBatch batch = new DemoBatch(100, 42, 0.01, 20_000);  // the defaults
        assertThat(out).contains("items        100 ok, 0 failed (of 100)",
                "restarts     " + batch.crashCount(),
                "check        " + DemoBatch.format(batch.expectedCheck()));
        assertThat(streams.allErr()).contains("procpool demo: 100 items").doesNotContain("Exception");
    }

    @Test
    void ctrlCPrintsThePartialSummaryExits130AndLeavesNoWorker() throws Exception {
        assumeFalse(Procs.sigintIgnored(), "this JVM ignores SIGINT (started in the background by a shell without"
                + " job control), so the demo would too");
        Streams streams = start("--items", "100000", "--workers", "2");
        String progress = streams.awaitErrLine("progress ");
        assertThat(progress).as("a progress line on stderr").isNotNull();
        List<Long> workers = Procs.childrenOf(demo.pid()).stream().map(Procs.Proc::pid).toList();
        assertThat(workers).as("the demo's worker processes").hasSizeGreaterThanOrEqualTo(2);

        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(demo.pid())).inheritIO().start();
        assertThat(kill.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();

        assertThat(demo.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("demo ended after SIGINT").isTrue();
        String out = streams.out.get(WAIT_SECONDS, TimeUnit.SECONDS);
        System.out.print(out);
        assertThat(demo.exitValue()).isEqualTo(130);
        assertThat(out).contains("interrupted  partial summary: ").containsPattern("items        \\d+ ok, 0 failed, "
                + "\\d+ not finished \\(of 100000\\)");
        Matcher m = Pattern.compile("workers      (\\d+) started, (\\d+) reaped").matcher(out);
        assertThat(m.find()).isTrue();
        assertThat(m.group(2)).as("every worker reaped by the demo itself").isEqualTo(m.group(1));
        assertThat(workers).allSatisfy(pid -> assertThat(Procs.exists(pid)).as("worker " + pid).isFalse());
        assertThat(streams.allErr()).doesNotContain("Exception");
    }

    /** Reads a process's stdout whole and its stderr line by line, on their own threads, so no pipe fills up. */
    private static final class Streams {
        final CompletableFuture<String> out;
        private final BlockingQueue<String> errLines = new LinkedBlockingQueue<>();
        private final StringBuilder err = new StringBuilder();

        Streams(Process p) {
            out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        System.err.println("demo: " + line);
                        synchronized (err) {
                            err.append(line).append('\n');
                        }
                        errLines.add(line);
                    }
                } catch (IOException e) {
                    // the process is gone
                }
            }, "demo-stderr");
            t.setDaemon(true);
            t.start();
        }

        /** The first stderr line from now on that starts with {@code prefix}, or null after the wait. */
        String awaitErrLine(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                String line = errLines.poll(left, TimeUnit.NANOSECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
            }
            return null;
        }

        String allErr() {
            synchronized (err) {
                return err.toString();
            }
        }
    }
}
