package io.procpool.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's programs run as documented and leave no process behind. */
@ExtendWith(NoChildLeft.class)
class ExamplesTest {

    private static String run(Callable<Void> main) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            main.call();
        } finally {
            System.setOut(original);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }

    @Test
    void processDemoTalksKillsAndReapsEverything() throws Exception {
        String out = run(() -> {
            ProcessDemo.main(new String[0]);
            return null;
        });
        assertThat(out).contains("push spawn  -> pop SPAWN", "write/read -> bytes through a pipe",
                "alive (kill 0): true", "killed by SIGTERM", "exited 3", "[disk full]",
                "spawned 4, reaped 4, still running 0", "children of this JVM left, alive or zombie: 0");
        assertThat(ProcessHandle.current().children().count()).isZero();
    }

    @Test
    void quickStartRunsTasksInWorkerJvms() throws Exception {
        String out = run(() -> {
            QuickStart.main(new String[0]);
            return null;
        });
        assertThat(out).contains("words: 4", "slow: done", "all: [2, 1]", "completed=5, failed=0",
                "content words: [1, 2, 1]");
        assertThat(out).doesNotContain("ran in worker pid " + ProcessHandle.current().pid() + " ");
        assertThat(ProcessHandle.current().children().count()).isZero();
    }

    @Test
    void execQuickStartDrivesPythonAndShellWorkers() throws Exception {
        String out = run(() -> {
            ExecQuickStart.main(new String[] {"src/main/workers"});
            return null;
        });
        assertThat(out).contains("json: {answer=42}", "crash: WorkerCrashedException", "after the crash: {still=serving}",
                "restarted py-", ": CRASH", "line mode: HELLO", "restarts counted: 2.0");
        assertThat(ProcessHandle.current().children().count()).isZero();
    }
}
