package io.procpool.examples.cli;

import static io.procpool.runtime.testing.Children.assertNoneNow;
import static io.procpool.examples.cli.Fixtures.assertEachResultIsItsInputTimesTen;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code procpool run} in line mode with filters that answer out of step or hold their answers back: a result is
 * never given to another item, what cannot be trusted fails with a message saying what happened, and the exit is 1.
 */
class RunLineTrustTest extends InProcessCli {

    @TempDir
    Path dir;

    private List<String> failureLines() {
        return err.toString().lines().filter(l -> l.matches("\\d+\t.*")).toList();
    }

    @Test
    void anExtraLineNeverShiftsAResultOntoAnotherItem() throws IOException {
        Path worker = Fixtures.write(dir, "extra.py", Fixtures.PY_EXTRA_LINE);
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-j", "2", "--tag", "-a", Fixtures.numbers(dir, 40).toString(), "--output",
                output.toString(), "--", "python3", worker.toString());

        assertThat(exit).isEqualTo(1);
        List<String> results = Files.readAllLines(output);
        assertEachResultIsItsInputTimesTen(results);
        assertThat(failureLines()).as("item 5 and the others its worker answered since its last check")
                .isNotEmpty().anySatisfy(l -> assertThat(l).startsWith("5\t5\t"))
                .allSatisfy(l -> assertThat(l).contains("out of step"));
        assertThat(results.size() + failureLines().size()).as("every item ok or failed").isEqualTo(40);
        assertThat(err.toString()).contains("an extra line").doesNotContainPattern("task \\d+");
        assertNoneNow();
    }

    @Test
    void aMissingReplyFailsLoudlyInsteadOfShiftingTheRest() throws IOException {
        Path worker = Fixtures.write(dir, "missing.py", Fixtures.PY_MISSING_REPLY);
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-j", "2", "--prefetch", "2", "--tag", "--stall-warning", "500ms", "-a",
                Fixtures.numbers(dir, 40).toString(), "--output", output.toString(), "--", "python3",
                worker.toString());

        assertThat(exit).isEqualTo(1);
        List<String> results = Files.readAllLines(output);
        assertEachResultIsItsInputTimesTen(results);
        assertThat(failureLines()).anySatisfy(l -> assertThat(l).startsWith("5\t5\t").contains("missing reply"));
        assertThat(results.size() + failureLines().size()).isEqualTo(40);
        assertNoneNow();
    }

    @Test
    void theReferenceWorkersTwiceAndNoneAreCaughtToo() throws IOException {
        List<String> in = IntStream.rangeClosed(1, 30).mapToObj(i -> i == 7 ? "twice x" : i == 19 ? "none"
                : "echo " + i).toList();
        Path input = Files.write(dir.resolve("in.txt"), in);
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-j", "1", "--tag", "--retries", "0", "--stall-warning", "400ms", "-a",
                input.toString(), "--output", output.toString(), "--", "sh", Fixtures.LINE_WORKER);

        assertThat(exit).isEqualTo(1);
        assertThat(Files.readAllLines(output)).allSatisfy(l -> assertThat(l).matches("echo (\\d+)\t\\1"));
        assertThat(failureLines()).anySatisfy(l -> assertThat(l).startsWith("7\ttwice x\t"))
                .anySatisfy(l -> assertThat(l).startsWith("19\tnone\t"));
        assertNoneNow();
    }

    @Test
    void blockBufferedPythonAnswersEachLineWithoutMinusU() throws IOException {
        Path worker = Fixtures.write(dir, "buffered.py", Fixtures.PY_BUFFERED);
        Path output = dir.resolve("out.txt");

        // without PYTHONUNBUFFERED the first reply would sit in the worker's buffer until the timeout
        int exit = execute("run", "-j", "2", "--tag", "--timeout", "5s", "--stall-warning", "1h", "-a",
                Fixtures.numbers(dir, 300).toString(), "--output", output.toString(), "--", "python3",
                worker.toString());

        assertThat(exit).isZero();
        assertThat(Files.readAllLines(output)).hasSize(300);
        assertEachResultIsItsInputTimesTen(Files.readAllLines(output));
        assertNoneNow();
    }

    @Test
    void blockBufferedCStdioFilterAnswersEachLine() throws Exception {
        Path filter = Fixtures.compileFilter(dir);
        Path output = dir.resolve("out.txt");

        // without the stdbuf preload glibc buffers a pipe fully: the first reply would wait for the timeout
        int exit = execute("run", "-j", "2", "--tag", "--timeout", "5s", "--stall-warning", "1h", "-a",
                Fixtures.numbers(dir, 300).toString(), "--output", output.toString(), "--", filter.toString());

        assertThat(exit).isZero();
        assertThat(Files.readAllLines(output)).hasSize(300);
        assertEachResultIsItsInputTimesTen(Files.readAllLines(output));
        assertNoneNow();
    }

    @Test
    void aFilterThatForcesFullBufferingIsNamedOnceAndStillAnsweredRight() throws Exception {
        Path filter = Fixtures.compileFilter(dir);
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-j", "1", "--tag", "--stall-warning", "300ms", "-a",
                Fixtures.numbers(dir, 4).toString(), "--output", output.toString(), "--", filter.toString(), "full");

        assertThat(exit).isZero();
        assertThat(Files.readAllLines(output)).hasSize(4);
        assertEachResultIsItsInputTimesTen(Files.readAllLines(output));
        assertThat(err.toString().lines().filter(l -> l.startsWith("procpool run: no reply from the workers")))
                .singleElement().asString().contains("block-buffered", "fflush(stdout)", "stdbuf -oL");
        assertNoneNow();
    }

    @Test
    void anErrorReplyFailsItsItem() throws IOException {
        Path input = Files.write(dir.resolve("in.txt"), List.of("echo a", "bogus b", "echo c"));
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "-j", "1", "-a", input.toString(), "--output", output.toString(), "--", "sh",
                Fixtures.LINE_WORKER);

        assertThat(exit).isEqualTo(1);
        assertThat(Files.readAllLines(output)).containsExactly("a", "c");
        assertThat(failureLines()).containsExactly("2\tbogus b\terror: unknown command: bogus");
        assertThat(err.toString()).contains("items        2 ok, 1 failed (of 3)", "first error  line 2: error: ");
        assertNoneNow();
    }

    @Test
    void aCommandThatCannotWorkStopsAtOnceWithOneMessageAndExitTwo() throws IOException {
        Path input = Files.write(dir.resolve("in.txt"), java.util.Collections.nCopies(200, "x"));

        int exit = execute("run", "-j", "2", "-a", input.toString(), "--", "python3",
                dir.resolve("nosuch.py").toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .startsWith("procpool run: the command cannot work: its workers exit before answering anything")
                .contains("nosuch.py").contains("No such file or directory");
        assertNoneNow();
    }
}
