package io.procpool.examples.cli;

import static io.procpool.runtime.testing.Children.assertNoneNow;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;


/** {@code procpool run} in this JVM over temporary files, with the reference workers; stderr captured. */
class RunCommandTest extends InProcessCli {

    /** Relative to the module: surefire runs in pool-examples. */
    private static final String LINE_WORKER = Path.of("src/main/workers/shell/line_worker.sh").toString();
    private static final String PROTOCOL_WORKER = Path.of("src/main/workers/python/procpool_worker.py").toString();

    @TempDir
    Path dir;

    private Path file(String name, List<String> lines) throws IOException {
        return Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
    }

    private static List<String> lines(String format, int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> String.format(format, i)).toList();
    }

    @Test
    void resultsComeInInputOrder() throws IOException {
        Path input = file("in.txt", lines("echo item-%d", 1000));
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "--workers", "2", "--input", input.toString(), "--output", output.toString(), "--",
                "sh", LINE_WORKER);

        assertThat(exit).isZero();
        assertThat(Files.readAllLines(output)).containsExactlyElementsOf(lines("item-%d", 1000));
        assertThat(err.toString())
                .contains("items        1000 ok, 0 failed (of 1000)", "workers      2 started, 2 reaped",
                        "restarts     0")
                .doesNotContain("Exception", "first error");
        assertThat(out.toString()).as("stdout holds results only, and they went to the file").isEmpty();
        assertNoneNow();
    }

    @Test
    void asCompletedWritesTheSameResults() throws IOException {
        Path input = file("in.txt", lines("upper item-%d", 1000));
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "--workers", "2", "--prefetch", "2", "--as-completed", "--input", input.toString(),
                "--output", output.toString(), "sh", LINE_WORKER);  // no '--': the command starts at 'sh'

        assertThat(exit).isZero();
        assertThat(Files.readAllLines(output)).containsExactlyInAnyOrderElementsOf(lines("ITEM-%d", 1000));
        assertThat(err.toString()).contains("items        1000 ok, 0 failed (of 1000)");
        assertNoneNow();
    }

    @Test
    void failedItemsGoToTheFailuresFileAndTheExitIsOne() throws IOException {
        List<String> in = IntStream.rangeClosed(1, 200)
                .mapToObj(i -> i % 25 == 0 ? "fail boom-" + i : "echo ok-" + i).toList();
        Path input = file("in.txt", in);
        Path output = dir.resolve("out.txt");
        Path failures = dir.resolve("failures.tsv");

        int exit = execute("run", "--mode", "protocol", "--workers", "2", "--input", input.toString(), "--output",
                output.toString(), "--failures", failures.toString(), "--", "python3", "-S", PROTOCOL_WORKER);

        assertThat(exit).isEqualTo(1);
        assertThat(Files.readAllLines(output)).containsExactlyElementsOf(IntStream.rangeClosed(1, 200)
                .filter(i -> i % 25 != 0).mapToObj(i -> "ok-" + i).toList());
        assertThat(Files.readAllLines(failures)).containsExactlyElementsOf(IntStream.rangeClosed(1, 8)
                .map(k -> 25 * k).mapToObj(i -> i + "\tfail boom-" + i + "\tValueError: boom-" + i).toList());
        assertThat(err.toString()).contains("items        192 ok, 8 failed (of 200)",
                "first error  line 25: ValueError: boom-25");
        assertNoneNow();
    }

    @Test
    void taskPastItsTimeoutFailsAndItsWorkerIsReplaced() throws IOException {
        Path input = file("in.txt", List.of("echo a", "sleep 10000", "echo b", "echo c"));
        Path output = dir.resolve("out.txt");

        int exit = execute("run", "--workers", "1", "--timeout", "300ms", "--retries", "0", "--input",
                input.toString(), "--output", output.toString(), "--", "sh", LINE_WORKER);

        assertThat(exit).isEqualTo(1);
        assertThat(Files.readAllLines(output)).containsExactly("a", "b", "c");
        assertThat(err.toString().lines().filter(l -> l.startsWith("2\t")))
                .as("the failure line on stderr, the default")
                .singleElement().asString().startsWith("2\tsleep 10000\t").contains("timed out");
        // the killed worker's earlier reply ('a') was never checked: it runs again on the replacement
        assertThat(err.toString()).contains("items        3 ok, 1 failed (of 4)", "restarts     1 (timeout 1)")
                .containsPattern("workers      (\\d+) started, \\1 reaped");
        assertNoneNow();
    }

    @Test
    void readsStdinAndWritesStdoutByDefault() {
        InputStream stdin = System.in;
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setIn(new ByteArrayInputStream("echo é-1\necho two words\n".getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = execute("run", "--workers", "1", "--input", "-", "--", "sh", LINE_WORKER);
        } finally {
            System.setIn(stdin);
            System.setOut(stdout);
        }

        assertThat(exit).isZero();
        assertThat(captured.toString(StandardCharsets.UTF_8)).as("UTF-8 in, UTF-8 out").isEqualTo("é-1\ntwo words\n");
        assertThat(err.toString()).contains("items        2 ok, 0 failed (of 2)");
        assertNoneNow();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "run --input IN                                | a command is needed after the options",
        "run --input IN --                             | a command is needed after the options",
        "run --input DIR/missing.txt -- sh             | --input DIR/missing.txt: no such file",
        "run --input IN --workers 0 -- sh              | --workers (-j) must be 1..1024 or a percentage",
        "run --input IN --mode lines -- sh             | --mode must be line or protocol, was 'lines'",
        "run --input IN --retries -1 -- sh             | --retries must be 0..99, was -1",
        "run --input IN --prefetch 2000 -- sh          | --prefetch must be 0..1024, was 2000",
        "run --input IN --timeout soon -- sh           | --timeout must be a duration such as 500ms",
        "run --input IN --metrics-port 70000 -- sh     | --metrics-port must be 1..65535, or 0 for any free port",
        "run --input IN --output DIR/no/out.txt -- sh  | --output DIR/no/out.txt: cannot be written (no such dir",
        "run --input IN --output IN -- sh              | --output must not be the input",
        "run --input IN -- no-such-command-here        | cannot start the command: cannot start no-such-command-here:"
                + " No such file or directory (errno 2)"})
    void badUsageIsOneLineOnStderrAndExitTwo(String args, String problem) throws IOException {
        Path input = file("in.txt", List.of("echo x"));
        List<String> argv = new ArrayList<>();
        for (String a : args.split(" ")) {
            argv.add(a.replace("IN", input.toString()).replace("DIR", dir.toString()));
        }

        int exit = execute(argv.toArray(String[]::new));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().startsWith("procpool run: ")
                .contains(problem.replace("DIR", dir.toString()));
        assertThat(err.toString()).doesNotContain("Exception", "\tat ");
        assertThat(out.toString()).isEmpty();
        assertNoneNow();
    }

    @Test
    void metricsPortInUseIsOneLineAndExitTwoBeforeAnyWorkerStarts() throws IOException {
        Path input = file("in.txt", List.of("echo x"));
        try (ServerSocket taken = new ServerSocket(0)) {
            int exit = execute("run", "--metrics-port", Integer.toString(taken.getLocalPort()), "--input",
                    input.toString(), "--", "sh", LINE_WORKER);

            assertThat(exit).isEqualTo(2);
            assertThat(err.toString().lines()).singleElement().asString()
                    .startsWith("procpool run: --metrics-port " + taken.getLocalPort() + ": cannot listen there");
        }
        assertNoneNow();
    }

    @Test
    void helpListsTheOptionsAndExitCodes() {
        assertThat(execute("run", "--help")).isZero();
        assertThat(out.toString()).contains("--input", "--output", "--failures", "--workers", "--mode",
                "--as-completed", "--timeout", "--retries", "--prefetch", "--metrics-port", "--progress", "130");
    }
}
