package io.procpool.runtime.pool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.procpool.Signal;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.ProcessSpec;
import io.procpool.runtime.process.Redirect;
import io.procpool.runtime.process.Spawner;
import io.procpool.runtime.testing.Children;
import io.procpool.runtime.testing.ManagerMain;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The manager JVM dies by SIGKILL: its workers finish the task in hand and exit; nothing is left running. */
@ExtendWith(NoChildLeft.class)
class ManagerDeathTest {

    @Test
    void workersFinishTheirTaskAndExitWhenTheManagerIsKilled(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (Spawner spawner = Spawner.create("manager")) {
            ChildProcess manager = spawner.spawn(ProcessSpec.builder(TestPrograms.java(ManagerMain.class, go.toString()))
                    .noChannel().stdout(Redirect.PIPE).build());
            String ready = new BufferedReader(new InputStreamReader(manager.stdout(), UTF_8)).readLine();
            assertThat(ready).startsWith("ready ");
            List<Long> workers = Arrays.stream(ready.substring(6).trim().split(" ")).map(Long::parseLong).toList();
            assertThat(workers).hasSize(2);

            manager.kill(Signal.SIGKILL);
            assertThat(manager.waitFor().signal()).isEqualTo(9);
            // the idle worker leaves at once; the busy one only after its task is done
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> workers.stream().filter(ManagerDeathTest::dead).count() == 1);
            assertThat(Files.exists(Path.of(go + ".finished"))).isFalse();
            Files.writeString(go, "");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> workers.stream().allMatch(ManagerDeathTest::dead));
            assertThat(Files.exists(Path.of(go + ".finished"))).as("the task in hand was finished").isTrue();
        }
    }

    @Test
    void aTaskThatOutlastsTheShutdownTimeoutAfterItsManagerIsKilledEndsWithItsWorker(@TempDir Path dir)
            throws Exception {
        Path go = dir.resolve("go");  // never created: the task would run for ever
        try (Spawner spawner = Spawner.create("manager")) {
            ChildProcess manager = spawner.spawn(ProcessSpec.builder(
                            TestPrograms.java(ManagerMain.class, go.toString(), "grace"))
                    .noChannel().stdout(Redirect.PIPE).build());
            String ready = new BufferedReader(new InputStreamReader(manager.stdout(), UTF_8)).readLine();
            assertThat(ready).startsWith("ready ");
            List<Long> workers = Arrays.stream(ready.substring(6).trim().split(" ")).map(Long::parseLong).toList();
            manager.kill(Signal.SIGKILL);
            assertThat(manager.waitFor().signal()).isEqualTo(9);
            // the busy worker's grace is the pool's shutdownTimeout, 2 s: no orphan lives on with a task that never ends
            try {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> workers.stream().allMatch(ManagerDeathTest::dead));
            } finally {
                Files.writeString(go, "");  // a failure must not leave the orphan this test is about
            }
            assertThat(Files.exists(Path.of(go + ".finished"))).isFalse();
        }
    }

    @Test
    void aNormalExitOfTheManagerStopsItsWorkersAtOnce(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (Spawner spawner = Spawner.create("manager")) {
            ChildProcess manager = spawner.spawn(ProcessSpec.builder(
                            TestPrograms.java(ManagerMain.class, go.toString(), "exit"))
                    .noChannel().stdout(Redirect.PIPE).build());
            String ready = new BufferedReader(new InputStreamReader(manager.stdout(), UTF_8)).readLine();
            List<Long> workers = Arrays.stream(ready.substring(6).trim().split(" ")).map(Long::parseLong).toList();
            assertThat(manager.waitFor().exitCode()).isZero();
            // the shutdown hook killed both, the busy one too: its task never finished
            assertThat(workers).allMatch(ManagerDeathTest::dead);
            assertThat(Files.exists(Path.of(go + ".finished"))).isFalse();
        }
    }

    private static boolean dead(long pid) {
        String s = Children.state(pid);
        return s == null || s.equals("Z") || s.equals("X");
    }
}
