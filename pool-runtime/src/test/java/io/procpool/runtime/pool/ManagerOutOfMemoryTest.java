package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.procpool.runtime.testing.FullHeapManagerMain;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager's own heap runs out: a caller at -Xmx48m keeps every 1 MiB answer until told the heap is full. Answers
 * that cannot be copied fail their tasks (the worker stays), threads that catch an error they cannot even log go on,
 * and once the caller lets its answers go the pool serves again; every future ends and the pool terminates. Before,
 * the I/O and completion threads died of the log lines' own errors, and thousands of futures stayed pending.
 */
@ExtendWith(NoChildLeft.class)
class ManagerOutOfMemoryTest {

    /** Prefetch 16: 32 answers of 1 MiB on their way into a 48 MiB heap; workers killed for it are not a crash loop. */
    @ParameterizedTest
    @ValueSource(ints = {0, 16})
    void everyFutureEndsAndThePoolTerminatesWhenTheManagersHeapRunsOut(int prefetch, @TempDir Path dir)
            throws Exception {
        List<String> cmd = new ArrayList<>(TestPrograms.java(FullHeapManagerMain.class, "600", "" + prefetch));
        cmd.add(1, "-Xmx48m");
        cmd.set(cmd.indexOf("-XX:+UseSerialGC"), "-XX:+UseG1GC");  // the default collector, 1 MiB regions
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean exited = p.waitFor(150, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor();
        }
        String text = Files.readString(out);
        String tail = text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        assertThat(exited).as("the manager exited within 150 s; its output ends:\n%s", tail).isTrue();
        String ended = text.lines().filter(l -> l.startsWith("ended ")).findFirst().orElse("(no line)");
        assertThat(ended).as("output ends:\n%s", tail).contains(" pending=0 ").contains(" full=true")
                .contains(" poolFailed=false");
        int okAfterFull = Integer.parseInt(ended.replaceAll(".* okAfterFull=(\\d+).*", "$1"));
        assertThat(okAfterFull).as("answers read once the caller let memory go: %s", ended).isPositive();
        assertThat(text).as("output ends:\n%s", tail).contains("terminated true");
        assertThat(p.exitValue()).as("output ends:\n%s", tail).isZero();
        assertThat(text).as("no thread died of an error").doesNotContain("Exception in thread \"procpool")
                .doesNotContain("from the UncaughtExceptionHandler in thread \"procpool");
    }
}
