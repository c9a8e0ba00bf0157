package io.procpool.examples.cli;

import static io.procpool.runtime.testing.Children.assertNoneNow;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code procpool demo} run in this JVM, with its stdout and stderr captured. */
class DemoCommandTest extends InProcessCli {

    @Test
    void batchWithCrashesEndsOkWithOneRestartPerCrashingItemAndTheExpectedCheck() {
        // a quarter of the default work per item: the time goes to the replacement JVMs, not to hashing
        DemoBatch batch = new DemoBatch(200, 7, 0.05, 5_000);
        int crashes = batch.crashCount();
        assertThat(crashes).as("seed 7 must crash some items, or this test shows nothing").isPositive();

        int exit = execute("demo", "--items", "200", "--workers", "2", "--seed", "7", "--crash-rate", "0.05",
                "--rounds", "5000");

        assertThat(exit).isZero();
        assertThat(out.toString())
                .contains("items        200 ok, 0 failed (of 200)")
                .contains("restarts     " + crashes + " (crash " + crashes + ")")
                .contains("check        " + DemoBatch.format(batch.expectedCheck()))
                .containsPattern("task time    p50 \\d+\\.\\d\\d ms, p99 \\d+\\.\\d\\d ms")
                .doesNotContain("interrupted");
        Matcher workers = Pattern.compile("workers      (\\d+) started, (\\d+) reaped").matcher(out.toString());
        assertThat(workers.find()).isTrue();
        // 2 workers, 1 spare, one replacement per crash; every one of them reaped
        assertThat(Integer.parseInt(workers.group(1))).isEqualTo(3 + crashes);
        assertThat(workers.group(2)).isEqualTo(workers.group(1));
        assertThat(err.toString()).contains("procpool demo: 200 items").doesNotContain("Exception");
        assertNoneNow();
    }

    @Test
    void emptyBatchEndsOk() {
        assertThat(execute("demo", "--items", "0", "--workers", "1", "--spares", "0")).isZero();
        assertThat(out.toString()).contains("items        0 ok, 0 failed (of 0)", "check        0000000000000000");
        assertNoneNow();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "demo --workers 0         | --workers must be 1..1024, was 0",
        "demo --crash-rate 2      | --crash-rate must be 0..1, was 2.0",
        "demo --crash-rate NaN    | --crash-rate must be 0..1",
        "demo --items -1          | --items must be 0..10000000, was -1",
        "demo --spares 17         | --spares must be 0..16, was 17",
        "demo --max-spares 17     | --max-spares must be 1..16 (from --spares), was 17",
        "demo --spare-nice 20     | --spare-nice must be 0..19, was 20",
        "demo --warm-up -1        | --warm-up must be 0..10000000, was -1",
        "demo --worker-java /no/java | --worker-java must be an executable java, was /no/java",
        "demo --bogus             | Unknown option: '--bogus'",
        "demo --workers many      | Invalid value for option '--workers': 'many' is not an int",
        "demo --metrics-port -1   | --metrics-port must be 1..65535, or 0 for any free port, was -1",
        "''                       | a sub-command is needed"})
    void badUsageIsOneLineOnStderrAndExitTwo(String args, String problem) {
        int exit = execute(args.isEmpty() ? new String[0] : args.split(" "));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().contains(problem).startsWith("procpool");
        assertThat(err.toString()).doesNotContain("Exception", "\tat ");
        assertThat(out.toString()).isEmpty();
        assertNoneNow();  // checked before anything started
    }

    @Test
    void metricsPortZeroServesOnAFreePortAndSaysWhich() {
        int exit = execute("demo", "--items", "20", "--workers", "1", "--spares", "0", "--crash-rate", "0",
                "--rounds", "100", "--metrics-port", "0");

        assertThat(exit).isZero();
        Matcher where = Pattern.compile("(?m)^metrics at http://localhost:(\\d+)/metrics$").matcher(err.toString());
        assertThat(where.find()).as("the metrics line on stderr").isTrue();
        assertThat(Integer.parseInt(where.group(1))).as("the real port, not 0").isBetween(1, 65535);
        assertThat(out.toString()).contains("items        20 ok, 0 failed (of 20)");
        assertNoneNow();
    }

    @Test
    void metricsPortInUseIsOneLineAndExitTwo() throws IOException {
        try (ServerSocket taken = new ServerSocket(0)) {
            int exit = execute("demo", "--items", "20", "--metrics-port", Integer.toString(taken.getLocalPort()));

            assertThat(exit).isEqualTo(2);
            assertThat(err.toString().lines()).singleElement().asString().startsWith("procpool demo: --metrics-port "
                    + taken.getLocalPort() + ": cannot listen there (Address already in use)");
        }
        assertThat(out.toString()).isEmpty();
        assertNoneNow();
    }

    @Test
    void helpListsTheOptionsAndExitCodes() {
        assertThat(execute("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--items", "--workers", "--spares", "--crash-rate", "--seed", "--rounds",
                "--metrics-port", "130");
    }
}
