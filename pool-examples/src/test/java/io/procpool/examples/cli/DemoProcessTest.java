package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.procpool.ExitStatus;
import io.procpool.runtime.testing.Children;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code procpool demo} as its own JVM, the way a user runs it: exit codes, streams, Ctrl-C. */
@ExtendWith(NoChildLeft.class)
class DemoProcessTest {

    @Test
    void batchRunsAsAProcessAndExitsZero() throws Exception {
        try (CliProcess demo = CliProcess.start("demo", "--items", "100", "--workers", "2")) {
            ExitStatus status = demo.waitFor().orElseThrow(() -> new AssertionError("demo did not end"));
            String out = demo.out();
            System.out.print(out);

            assertThat(status).isEqualTo(ExitStatus.exited(status.pid(), 0));
            DemoBatch batch = new DemoBatch(100, 42, 0.01, 20_000);  // the defaults
            assertThat(out).contains("items        100 ok, 0 failed (of 100)",
                    "restarts     " + batch.crashCount(),
                    "check        " + DemoBatch.format(batch.expectedCheck()));
            assertThat(demo.allErr()).contains("procpool demo: 100 items").doesNotContain("Exception");
        }
    }

    @Test
    void ctrlCPrintsThePartialSummaryExits130AndLeavesNoWorker() throws Exception {
        try (CliProcess demo = CliProcess.start("demo", "--items", "100000", "--workers", "2")) {
            String progress = demo.awaitErrLine("progress ");
            assertThat(progress).as("a progress line on stderr").isNotNull();
            List<Long> workers = Children.of(demo.pid()).stream().map(Children.Child::pid).toList();
            assertThat(workers).as("the demo's worker processes").hasSizeGreaterThanOrEqualTo(2);

            demo.interrupt();

            ExitStatus status = demo.waitFor().orElseThrow(() -> new AssertionError("demo did not end after SIGINT"));
            String out = demo.out();
            System.out.print(out);
            // 130 = 128 + SIGINT, from the JVM's exit after its hooks ran: not a death by the signal itself
            assertThat(status).isEqualTo(ExitStatus.exited(status.pid(), 130));
            assertThat(out).contains("interrupted  partial summary: ")
                    .containsPattern("items        \\d+ ok, 0 failed, \\d+ not finished \\(of 100000\\)");
            Matcher m = Pattern.compile("workers      (\\d+) started, (\\d+) reaped").matcher(out);
            assertThat(m.find()).isTrue();
            assertThat(m.group(2)).as("every worker reaped by the demo itself").isEqualTo(m.group(1));
            assertThat(workers).allSatisfy(pid -> assertThat(Children.exists(pid)).as("worker " + pid).isFalse());
            assertThat(demo.allErr()).doesNotContain("Exception");
        }
    }
}
