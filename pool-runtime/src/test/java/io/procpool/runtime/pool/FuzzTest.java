package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.procpool.runtime.testing.Children;
import io.procpool.runtime.testing.FuzzManagerMain;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random and mutated frames from workers, against a manager JVM with a 64 MiB heap: every future completes (a
 * value, or the failure its worker's misdeed earns), the manager neither runs out of memory nor stops, and no
 * process is left. Seeded, so a failure can be replayed with the same seed.
 */
@ExtendWith(NoChildLeft.class)
class FuzzTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void everyFutureCompletesWhateverTheWorkersSend(long seed, @TempDir Path dir) throws Exception {
        List<String> cmd = new ArrayList<>(TestPrograms.java(FuzzManagerMain.class, Long.toString(seed), "200",
                dir.toString()));
        cmd.add(1, "-Xmx64m");
        Process manager = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = readAll(manager);
        assertThat(manager.waitFor(240, TimeUnit.SECONDS)).as(out).isTrue();
        assertThat(out).contains("fuzz: all 200 tasks ended, pool serving").doesNotContain("PENDING")
                .doesNotContain("OutOfMemoryError").doesNotContain("StackOverflowError");
        assertThat(manager.exitValue()).as(out).isZero();
        out.lines().filter(l -> l.matches("(value \\d+|\\w+Exception|fuzz): .*"))
                .forEach(l -> System.out.println("seed " + seed + ": " + l));
        assertThat(out).containsPattern("value 42: \\d+");  // the well-behaved answers among the bad came through
        Children.assertNoneLeft();
    }

    private static String readAll(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
