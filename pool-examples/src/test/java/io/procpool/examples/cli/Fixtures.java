package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Misbehaving filters for {@code procpool run}'s tests, written into a test's directory. */
final class Fixtures {

    /** The reference line worker (relative to the module: surefire runs in pool-examples). */
    static final String LINE_WORKER = Path.of("src/main/workers/shell/line_worker.sh").toString();

    /** Times ten each number, in Python, never flushing: block-buffered through a pipe unless told otherwise. */
    static final String PY_BUFFERED = """
            import sys
            for line in sys.stdin:
                sys.stdout.write(str(int(line) * 10) + "\\n")
            """;

    /** Times ten, with a debug print before the answer to 5: one line too many. */
    static final String PY_EXTRA_LINE = """
            import sys
            for line in sys.stdin:
                n = int(line)
                if n == 5:
                    print("debug: five", flush=True)
                print(n * 10, flush=True)
            """;

    /** Times ten, with no answer to 5: one line too few. */
    static final String PY_MISSING_REPLY = """
            import sys
            for line in sys.stdin:
                n = int(line)
                if n != 5:
                    print(n * 10, flush=True)
            """;

    /** Times ten in C stdio, never flushing; with the argument "full", fully buffered whatever the environment. */
    static final String C_FILTER = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            int main(int argc, char **argv) {
                char line[4096];
                if (argc > 1 && strcmp(argv[1], "full") == 0) setvbuf(stdout, NULL, _IOFBF, 1 << 16);
                while (fgets(line, sizeof line, stdin)) {
                    printf("%ld\\n", strtol(line, NULL, 10) * 10);
                }
                return 0;
            }
            """;

    private Fixtures() {
    }

    static Path write(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    /** The numbers from 1 to n, one a line. */
    static Path numbers(Path dir, int n) throws IOException {
        return Files.write(dir.resolve("numbers.txt"),
                java.util.stream.IntStream.rangeClosed(1, n).mapToObj(Integer::toString).toList());
    }

    /** Compiles {@link #C_FILTER} with cc; returns the executable. */
    static Path compileFilter(Path dir) throws IOException, InterruptedException {
        Path src = write(dir, "filter.c", C_FILTER);
        Path exe = dir.resolve("filter");
        Process cc = new ProcessBuilder("cc", "-O", "-o", exe.toString(), src.toString()).inheritIO().start();
        assertThat(cc.waitFor(60, TimeUnit.SECONDS)).as("cc finished").isTrue();
        assertThat(cc.exitValue()).as("cc's exit code").isZero();
        return exe;
    }

    /** Checks that every tagged output line ({@code INPUT<TAB>RESULT}) holds ten times its input. */
    static void assertEachResultIsItsInputTimesTen(List<String> tagged) {
        assertThat(tagged).allSatisfy(l -> {
            String[] f = l.split("\t");
            assertThat(f).as("a tagged line: " + l).hasSize(2);
            assertThat(Long.parseLong(f[1])).as("the result for input " + f[0]).isEqualTo(Long.parseLong(f[0]) * 10);
        });
    }
}
