package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.procpool.PoolListener;
import io.procpool.WorkerInfo;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.worker.WorkerMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** How a worker JVM starts: its channel on fd 0, its HELLO, its Kryo per task thread. */
@ExtendWith(NoChildLeft.class)
class WorkerStartTest {

    @Test
    void aWorkerStartedByHandWithoutASocketOnFd0SaysSoAndExits() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (ProcessBuilder.Redirect stdin : List.of(ProcessBuilder.Redirect.PIPE,
                ProcessBuilder.Redirect.from(new File("/dev/null")))) {
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    WorkerMain.class.getName()).redirectInput(stdin).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("stdin %s", stdin).isEqualTo(2);
            assertThat(err).contains("no socket on fd 0");
        }
    }

    @Test
    void theHelloCarriesTheWorkersOwnPid() throws Exception {
        CompletableFuture<WorkerInfo> ready = new CompletableFuture<>();
        PoolListener l = new PoolListener() {
            @Override
            public void workerReady(WorkerInfo worker, Duration startup) {
                ready.complete(worker);
            }
        };
        try (TaskPool pool = TaskPool.builder().name("hello").workers(1).listener(l).build()) {
            assertThat(pool.submit(new TaskPoolTest.Add(1, 2)).get(60, TimeUnit.SECONDS)).isEqualTo(3);
            List<Long> children = new ArrayList<>();
            ProcessHandle.current().children().forEach(c -> children.add(c.pid()));
            assertThat(children).containsExactly((long) ready.get(60, TimeUnit.SECONDS).pid());
        }
    }

    @Test
    void aWorkerWithoutAnAllowlistedClassFailsItsStartNamingTheClass() {
        List<String> withoutTests = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.endsWith("test-classes")) {
                withoutTests.add(e);
            }
        }
        assertThatThrownBy(() -> TaskPool.builder().name("allow").workers(1).maxAttempts(1)
                .classpath(String.join(File.pathSeparator, withoutTests)).allow(TaskPoolTest.Add.class)
                .startupTimeout(Duration.ofSeconds(60)).build().close())
                .hasMessageContaining(TaskPoolTest.Add.class.getName());
    }
}
