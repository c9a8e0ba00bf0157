package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.procpool.ExitStatus;
import io.procpool.runtime.testing.Children;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code procpool run} as its own JVM: Ctrl-C in the middle of a batch, then --resume. */
@ExtendWith(NoChildLeft.class)
class RunProcessTest {

    @TempDir
    Path dir;

    @Test
    void ctrlCWritesWhatFinishedPrintsThePartialSummaryExits130AndLeavesNoWorker() throws Exception {
        // 20 ms per item on 2 workers: 50 s for the whole input, interrupted after a second or two
        Path input = Files.write(dir.resolve("in.txt"), Collections.nCopies(5000, "sleep 20"));
        // results are believed at each worker's check (every 20 items here): interrupted once some were
        try (CliProcess run = CliProcess.start("run", "--workers", "2", "--check-every", "20", "--progress", "--input",
                input.toString(), "--", "sh", Path.of("src/main/workers/shell/line_worker.sh").toString())) {
            assertThat(run.awaitErrLine(RunProcessTest::someOk)).as("a progress line on stderr").isNotNull();
            List<Long> workers = Children.of(run.pid()).stream().map(Children.Child::pid).toList();
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
            assertThat(workers).allSatisfy(pid -> assertThat(Children.exists(pid)).as("worker " + pid).isFalse());
        }
    }

    /** A progress line once some item ended ok. */
    private static boolean someOk(String line) {
        return line.startsWith("progress ") && line.matches(".* ok [1-9].*");
    }

    @Test
    void ctrlCThenResumeRunsOnlyWhatDidNotFinish() throws Exception {
        // a slow echo filter (5 ms an item): 3000 items take many seconds, interrupted after the first progress line
        int n = 3000;
        Path input = Files.write(dir.resolve("in.txt"), IntStream.rangeClosed(1, n).mapToObj(Integer::toString)
                .toList());
        Path slow = Fixtures.write(dir, "slow.py", """
                import sys, time
                for line in sys.stdin:
                    time.sleep(0.005)
                    print(line.strip())
                """);
        Path joblog = dir.resolve("jobs.log");
        List<String> first;
        try (CliProcess run = CliProcess.start("run", "-j", "2", "--check-every", "50", "--progress", "--joblog",
                joblog.toString(), "-a", input.toString(), "python3", slow.toString())) {
            assertThat(run.awaitErrLine(RunProcessTest::someOk)).isNotNull();
            run.interrupt();
            ExitStatus status = run.waitFor().orElseThrow(() -> new AssertionError("run did not end after SIGINT"));
            assertThat(status.exitCode()).isEqualTo(130);
            first = run.out().lines().toList();
        }
        List<String> logged = Files.readAllLines(joblog);
        assertThat(first).as("some finished, not all").isNotEmpty().hasSizeLessThan(n);
        assertThat(logged).as("the header and one line per result written").hasSize(first.size() + 1);

        List<String> second;
        try (CliProcess run = CliProcess.start("run", "-j", "2", "--joblog", joblog.toString(), "--resume", "-a",
                input.toString(), "cat")) {
            ExitStatus status = run.waitFor().orElseThrow(() -> new AssertionError("resume did not end"));
            assertThat(status.exitCode()).as(run.allErr()).isZero();
            second = run.out().lines().toList();
            assertThat(run.allErr()).contains("resumed      " + first.size() + " items skipped");
        }
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        assertThat(all).as("every item exactly once over the two runs")
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, n).mapToObj(Integer::toString).toList());
        assertThat(Files.readAllLines(joblog).stream().skip(1).map(l -> l.split("\t")[0]).distinct().count())
                .as("each item once in the job log").isEqualTo(n);
        Children.assertNoneNow();
    }
}
