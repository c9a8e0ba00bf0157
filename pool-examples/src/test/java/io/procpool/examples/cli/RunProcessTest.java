package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.procpool.ExitStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code procpool run} as its own JVM: Ctrl-C in the middle of a batch. */
class RunProcessTest {

    @TempDir
    Path dir;

    @Test
    void ctrlCWritesWhatFinishedPrintsThePartialSummaryExits130AndLeavesNoWorker() throws Exception {
        // 20 ms per item on 2 workers: 50 s for the whole input, interrupted after a second or two
        Path input = Files.write(dir.resolve("in.txt"), Collections.nCopies(5000, "sleep 20"));
        try (CliProcess run = CliProcess.start("run", "--workers", "2", "--progress", "--input", input.toString(),
                "--", "sh", Path.of("src/main/workers/shell/line_worker.sh").toString())) {
            assertThat(run.awaitErrLine("progress ")).as("a progress line on stderr").isNotNull();
            List<Long> workers = Procs.childrenOf(run.pid()).stream().map(Procs.Proc::pid).toList();
            assertThat(workers).as("the run's worker processes").hasSizeGreaterThanOrEqualTo(2);

            run.interrupt();

            ExitStatus status = run.waitFor().orElseThrow(() -> new AssertionError("run did not end after SIGINT"));
            List<String> results = run.out().lines().toList();
            assertThat(status).isEqualTo(ExitStatus.exited(status.pid(), 130));
            String err = run.allErr();
            assertThat(err).contains("interrupted  partial summary: ").doesNotContain("Exception");
            Matcher items = Pattern.compile("items        (\\d+) ok, 0 failed, (\\d+) not finished").matcher(err);
            assertThat(items.find()).as("the items line of the summary").isTrue();
            assertThat(results).as("every result that finished, written and flushed before the exit")
                    .hasSize(Integer.parseInt(items.group(1))).isNotEmpty().containsOnly("slept 20");
            Matcher m = Pattern.compile("workers      (\\d+) started, (\\d+) reaped").matcher(err);
            assertThat(m.find()).isTrue();
            assertThat(m.group(2)).as("every worker reaped by the run itself").isEqualTo(m.group(1));
            assertThat(workers).allSatisfy(pid -> assertThat(Procs.exists(pid)).as("worker " + pid).isFalse());
        }
    }
}
