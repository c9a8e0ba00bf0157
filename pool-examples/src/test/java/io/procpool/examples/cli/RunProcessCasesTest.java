package io.procpool.examples.cli;

import static io.procpool.examples.cli.Fixtures.assertEachResultIsItsInputTimesTen;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.procpool.ExitStatus;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cases of {@link RunLineTrustTest} and {@link RunParallelOptionsTest} again with {@code procpool run} as its own
 * JVM, the way a user meets it: its real stdout, stderr (the workers' relayed lines included) and exit code.
 */
@ExtendWith(NoChildLeft.class)
class RunProcessCasesTest {

    @TempDir
    static Path dir;

    /** A case: how to run it (DIR is the test's directory), the exit code, and what stdout and stderr must show. */
    record Case(String name, String args, int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() throws Exception {
        Fixtures.write(dir, "extra.py", Fixtures.PY_EXTRA_LINE);
        Fixtures.write(dir, "missing.py", Fixtures.PY_MISSING_REPLY);
        Fixtures.write(dir, "buffered.py", Fixtures.PY_BUFFERED);
        Fixtures.write(dir, "loud.sh", "while read l; do echo \"note about $l\" >&2; echo \"$l\"; done\n");
        Fixtures.numbers(dir, 30);
        Fixtures.compileFilter(dir);
        Files.write(dir.resolve("nul.bin"), "a b\0c\0".getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("errors.txt"), List.of("echo a", "bogus", "echo c"));
        String n = " -a DIR/numbers.txt ";
        return Stream.of(
                new Case("extra line", "-j 2 --tag" + n + "python3 DIR/extra.py", 1, "TIMES_TEN", "out of step"),
                new Case("missing reply", "-j 2 --tag --stall-warning 1s" + n + "python3 DIR/missing.py", 1,
                        "TIMES_TEN", "missing reply"),
                new Case("block-buffered python", "-j 2 --tag --timeout 5s" + n + "python3 DIR/buffered.py", 0,
                        "TIMES_TEN", "items        30 ok, 0 failed (of 30)"),
                new Case("block-buffered C", "-j 2 --tag --timeout 5s" + n + "DIR/filter", 0, "TIMES_TEN",
                        "items        30 ok, 0 failed (of 30)"),
                new Case("braces and :::", "-j 2 echo {/.} {#} ::: x/a.txt b", 0, "a 1\nb 2\n",
                        "items        2 ok, 0 failed (of 2)"),
                new Case("error: reply", "-j 1 -a DIR/errors.txt sh " + Fixtures.LINE_WORKER, 1, "a\nc\n",
                        "2\tbogus\terror: unknown command: bogus"),
                new Case("halt", "-j 1 --halt now,fail=1 sh -c 'exit {}' ::: 0 0 5 0 0", 1, "",
                        "halted       --halt now,fail=1"),
                new Case("-0", "-0 -j 1 -a DIR/nul.bin echo [{}]", 0, "[a b]\n[c]\n", "items        2 ok"),
                new Case("stderr passed through", "-j 1 sh DIR/loud.sh ::: hello", 0, "hello\n",
                        "stderr] note about hello"),
                new Case("cannot work", "-j 2" + n + "python3 DIR/nosuch.py", 2, "",
                        "procpool run: the command cannot work: its workers exit before answering anything"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void asItsOwnProcess(Case c) throws Exception {
        List<String> args = new ArrayList<>(List.of("run"));
        args.addAll(words(c.args().replace("DIR", dir.toString())));
        try (CliProcess run = CliProcess.start(args.toArray(String[]::new))) {
            ExitStatus status = run.waitFor().orElseThrow(() -> new AssertionError(c + ": did not end"));
            String out = run.out();
            assertThat(status.exitCode()).as(c + ": exit code; stderr:\n" + run.allErr()).isEqualTo(c.exit());
            if (c.stdout().equals("TIMES_TEN")) {
                assertThat(out).isNotEmpty();
                assertEachResultIsItsInputTimesTen(out.lines().toList());
            } else {
                assertThat(out).isEqualTo(c.stdout());
            }
            assertThat(run.allErr()).contains(c.stderr()).doesNotContain("Exception", "\tat ");
            if (c.exit() == 2) {
                assertThat(run.allErr().lines().filter(l -> l.startsWith("procpool run:"))).hasSize(1);
                assertThat(run.allErr()).doesNotContainPattern("(?m)^\\d+\t");
            }
        }
    }

    /** Splits on spaces, keeping 'single-quoted' words whole. */
    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        for (char ch : s.toCharArray()) {
            if (ch == '\'') {
                quoted = !quoted;
            } else if (ch == ' ' && !quoted) {
                if (w.length() > 0) {
                    out.add(w.toString());
                    w.setLength(0);
                }
            } else {
                w.append(ch);
            }
        }
        if (w.length() > 0) {
            out.add(w.toString());
        }
        return out;
    }
}
