package io.procpool.examples.cli;

import static io.procpool.runtime.testing.Children.assertNoneNow;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What GNU parallel and xargs users type first, against {@code procpool run} in this JVM. */
class RunParallelOptionsTest extends InProcessCli {

    /** Fails item 3 (exit 3, a line on stderr), echoes the others: one process per item, under sh -c. */
    private static final String FAIL_THREE = "if [ {} = 3 ]; then echo three is bad >&2; exit 3; fi; echo ok {}";

    @TempDir
    Path dir;

    private List<String> failureLines() {
        return err.toString().lines().filter(l -> l.matches("\\d+\t.*")).toList();
    }

    @Test
    void bracesRunOneProcessPerItemWithEveryReplacementString() throws IOException {
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-j", "2", "--output", output.toString(), "--", "echo", "{}", "{.}", "{/}", "{//}",
                "{/.}", "{#}", ":::", "a/b.txt", "c.tar.gz", "plain");

        assertThat(exit).isZero();
        assertThat(Files.readAllLines(output)).containsExactly("a/b.txt a/b b.txt a b 1",
                "c.tar.gz c.tar c.tar.gz . c.tar 2", "plain plain plain . plain 3");
        assertThat(err.toString()).contains("items        3 ok, 0 failed (of 3)", "workers      3 started, 3 reaped");
        assertNoneNow();
    }

    @Test
    void aPerItemFailureNamesItsLineExitCodeAndStderr() throws IOException {
        Path input = Files.write(dir.resolve("in.txt"), List.of("1", "2", "3", "4"));
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-j", "2", "-a", input.toString(), "--output", output.toString(), FAIL_THREE);

        assertThat(exit).isEqualTo(1);
        assertThat(Files.readAllLines(output)).containsExactly("ok 1", "ok 2", "ok 4");
        assertThat(failureLines()).containsExactly("3\t3\texited 3: three is bad");
        assertThat(err.toString()).contains("first error  line 3: exited 3: three is bad");
        assertNoneNow();
    }

    @Test
    void nulSeparatedItemsMayHoldSpacesAndNewlines() throws IOException {
        Path input = Files.write(dir.resolve("in.bin"), "a b\0c\nd\0e".getBytes(StandardCharsets.UTF_8));
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-0", "-j", "1", "-a", input.toString(), "--output", output.toString(), "printf",
                "[%s]\\n", "{}");

        assertThat(exit).isZero();
        assertThat(Files.readString(output)).isEqualTo("[a b]\n[c\nd]\n[e]\n");
        assertNoneNow();
    }

    @Test
    void haltNowOnTheFirstFailureStopsTheRun() throws IOException {
        Path input = Files.write(dir.resolve("in.txt"), IntStream.rangeClosed(1, 50).mapToObj(Integer::toString)
                .toList());
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-j", "1", "--halt", "now,fail=1", "-a", input.toString(), "--output",
                output.toString(), FAIL_THREE);

        assertThat(exit).isEqualTo(1);
        assertThat(Files.readAllLines(output)).containsExactly("ok 1", "ok 2");
        assertThat(failureLines()).containsExactly("3\t3\texited 3: three is bad");
        assertThat(err.toString()).contains("halted       --halt now,fail=1 reached")
                .containsPattern("items        2 ok, 1 failed, \\d+ not finished");
        assertNoneNow();
    }

    @Test
    void haltSoonOnASuccessExitsZero() throws IOException {
        int exit = execute("run", "-j", "1", "--halt", "soon,success=1", "--", "sh", "-c", "exit {}", ":::", "1",
                "0", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1");

        assertThat(exit).isZero();
        assertThat(err.toString()).contains("halted       --halt soon,success=1 reached");
        assertNoneNow();
    }

    @Test
    void joblogThenResumeFailedRunsOnlyWhatFailed() throws IOException {
        Path input = Files.write(dir.resolve("in.txt"), List.of("1", "2", "3", "4"));
        Path joblog = dir.resolve("jobs.log");
        Path output = dir.resolve("out.txt");

        assertThat(execute("run", "-j", "2", "--joblog", joblog.toString(), "-a", input.toString(), "--output",
                output.toString(), FAIL_THREE)).isEqualTo(1);
        List<String> log = Files.readAllLines(joblog);
        assertThat(log.get(0)).isEqualTo("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand");
        assertThat(log.subList(1, log.size())).hasSize(4).anySatisfy(l -> assertThat(l.split("\t"))
                .satisfies(f -> assertThat(f[0]).isEqualTo("3"), f -> assertThat(f[6]).isEqualTo("3"),
                        f -> assertThat(f[8]).startsWith("if [ '3' = 3 ]").doesNotContain("{}")));

        // resume-failed: only item 3 runs again (now it succeeds); resume: nothing is left
        assertThat(execute("run", "-j", "2", "--joblog", joblog.toString(), "--resume-failed", "-a",
                input.toString(), "--output", output.toString(), "echo", "again", "{}")).isZero();
        assertThat(Files.readAllLines(output)).containsExactly("again 3");
        assertThat(err.toString()).contains("resumed      3 items skipped");
        assertThat(execute("run", "--joblog", joblog.toString(), "--resume", "-a", input.toString(), "--output",
                output.toString(), "echo", "{}")).isZero();
        assertThat(Files.readAllLines(output)).isEmpty();
        assertThat(Files.readAllLines(joblog)).as("one header, appended to").hasSize(6)
                .filteredOn(l -> l.startsWith("Seq")).hasSize(1);
        assertNoneNow();
    }

    @Test
    void joblogAndResumeWorkWithPersistentWorkersToo() throws IOException {
        Path input = Files.write(dir.resolve("in.txt"), List.of("echo a", "bogus", "echo c"));
        Path joblog = dir.resolve("jobs.log");
        Path output = dir.resolve("out.txt");

        assertThat(execute("run", "-j", "1", "--joblog", joblog.toString(), "-a", input.toString(), "--output",
                output.toString(), "sh", Fixtures.LINE_WORKER)).isEqualTo(1);
        assertThat(Files.readAllLines(joblog)).hasSize(4).anySatisfy(l -> assertThat(l).startsWith("2\t:\t")
                .endsWith("\t0\t0\t1\t0\tbogus"));
        assertThat(execute("run", "-j", "1", "--joblog", joblog.toString(), "--resume-failed", "-a", input.toString(),
                "--output", output.toString(), "sh", Fixtures.LINE_WORKER)).isEqualTo(1);
        assertThat(err.toString()).contains("resumed      2 items skipped").contains("items        0 ok, 1 failed (of 1)");
        assertNoneNow();
    }

    @Test
    void tagAndJobsPercentAndAsCompleted() throws IOException {
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "--jobs", "100%", "--tag", "--as-completed", "--output", output.toString(), "sh",
                Fixtures.LINE_WORKER, ":::", "echo x", "upper y");

        assertThat(exit).isZero();
        assertThat(Files.readAllLines(output)).containsExactlyInAnyOrder("echo x\tx", "upper y\tY");
        assertNoneNow();
    }

    @Test
    void aLongOutputLineComesWhole() throws IOException {
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-j", "1", "--output", output.toString(),
                "head -c {} /dev/zero | tr '\\0' x; echo", ":::", "300000");

        assertThat(exit).isZero();
        assertThat(Files.readString(output)).isEqualTo("x".repeat(300_000) + "\n");
        assertNoneNow();
    }

    @Test
    void helpShowsProcpoolNamesAndParallelAliases() {
        assertThat(execute("run", "--help")).isZero();
        assertThat(out.toString()).contains("-j, --jobs, --workers", "-a, --input, --arg-file", "-0, --null",
                "--halt", "--joblog", "--resume", "--resume-failed", "--eta, --bar, --progress", "--tag", "--quiet",
                ":::", "{}", "--check-every", "--stall-warning");
    }
}
