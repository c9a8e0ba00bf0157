package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.procpool.ExitStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code procpool run --redis}: a batch of lines submitted to a {@code procpool node} in another JVM. */
class RunRedisTest extends InProcessCli {

    @TempDir
    Path dir;

    @Test
    void runSubmitsABatchOfLinesToANodeAndWritesTheResultsInInputOrder() throws Exception {
        Path input = dir.resolve("lines.txt");
        Files.write(input, List.of("alpha", "bad", "gamma", "delta"));
        Path output = dir.resolve("out.txt");
        Path failures = dir.resolve("failed.txt");
        Path perItem = dir.resolve("per-item.txt");
        try (LocalRedis redis = new LocalRedis(dir)) {
            try (CliProcess node = CliProcess.start("node", "--redis", redis.uri(), "--pool", "batch", "--workers", "2",
                    "--lease", "5s")) {
                assertThat(node.awaitErrLine("node ")).as(node.allErr()).contains("serving pool batch");
                // the item on the command's stdin; "bad" makes it exit 3
                int exit = execute("run", "--redis", redis.uri(), "--pool", "batch", "--input", input.toString(),
                        "--output", output.toString(), "--failures", failures.toString(), "--",
                        "sh", "-c", "read x; if [ \"$x\" = bad ]; then echo no >&2; exit 3; fi; echo \"$x\" | tr a-z A-Z");
                assertThat(exit).as(err.toString()).isEqualTo(1);
                assertThat(Files.readAllLines(output)).containsExactly("ALPHA", "GAMMA", "DELTA");
                assertThat(Files.readString(failures)).startsWith("2\tbad\t").contains("exit 3").contains("no");
                // the item in place of {}: each runs as a process of its own on the node
                exit = execute("run", "--redis", redis.uri(), "--pool", "batch", "--output", perItem.toString(),
                        "--", "echo", "item", "{}", ":::", "one", "two");
                assertThat(exit).as(err.toString()).isZero();
                assertThat(Files.readAllLines(perItem)).containsExactly("item one", "item two");
                node.interrupt();
                ExitStatus status = node.waitFor().orElseThrow(() -> new AssertionError("node did not end"));
                assertThat(status.exitCode()).isEqualTo(130);
            }
        }
    }

    @Test
    void poolNeedsRedisAndRedisNeedsLineMode() {
        assertThat(execute("run", "--pool", "x", "--", "cat")).isEqualTo(2);
        assertThat(err.toString()).contains("--pool needs --redis URL");
        assertThat(execute("run", "--redis", "redis://127.0.0.1:1", "--mode", "protocol", "--", "cat")).isEqualTo(2);
        assertThat(err.toString()).contains("--mode protocol is not for it");
        assertThat(execute("run", "--redis", "redis://127.0.0.1:1", "--pool", "no spaces", "--", "cat")).isEqualTo(2);
        assertThat(err.toString()).contains("--pool pool name must be");
    }
}
