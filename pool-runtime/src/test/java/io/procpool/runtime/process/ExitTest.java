package io.procpool.runtime.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitStatus;
import io.procpool.ProcessExitedException;
import io.procpool.Signal;
import io.procpool.runtime.testing.Children;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Exit codes, signals, group kills, reaping many at once, living beside ProcessBuilder. */
@ExtendWith(NoChildLeft.class)
class ExitTest {

    private static final Duration GUARD = Duration.ofSeconds(60);

    private static ProcessSpec sh(String script) {
        return ProcessSpec.builder("sh", "-c", script).noChannel().build();
    }

    @Test
    void exitCodeIsReported() throws Exception {
        try (Spawner spawner = Spawner.create("exit")) {
            ChildProcess child = spawner.spawn(sh("exit 7"));
            ExitStatus st = child.onExit().get(30, TimeUnit.SECONDS);
            assertThat(st).isEqualTo(ExitStatus.exited(child.pid(), 7));
            assertThat(st).hasToString("exited 7");
            assertThat(child.waitFor()).isEqualTo(st);
            assertThat(child.exitStatus()).contains(st);
        }
    }

    @Test
    void deathBySignalIsDecoded() throws Exception {
        try (Spawner spawner = Spawner.create("signals")) {
            ChildProcess term = spawner.spawn(sh("exec sleep 1000"));
            ChildProcess kill = spawner.spawn(sh("exec sleep 1000"));
            ChildProcess segv = spawner.spawn(sh("ulimit -c 0; kill -SEGV $$"));
            assertThat(term.kill(Signal.SIGTERM)).isTrue();
            assertThat(kill.kill(9)).isTrue();
            assertThat(term.waitFor()).hasToString("killed by SIGTERM");
            assertThat(kill.waitFor()).hasToString("killed by SIGKILL");
            ExitStatus s = segv.waitFor();
            assertThat(s.signal()).isEqualTo(11);
            assertThat(s.toString()).startsWith("killed by SIGSEGV");
            assertThat(s.exitCode()).isZero();
            assertThat(s.shellCode()).isEqualTo(139);
        }
    }

    @Test
    void killZeroIsTrueWhileAliveAndFalseAfter() throws Exception {
        try (Spawner spawner = Spawner.create("probe")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder("cat").noChannel().stdin(Redirect.PIPE).build());
            assertThat(child.kill(0)).isTrue();
            assertThat(child.isAlive()).isTrue();
            child.closeStdin();
            child.waitFor();
            assertThat(child.kill(0)).isFalse();
            assertThat(child.isAlive()).isFalse();
            assertThat(child.kill(Signal.SIGTERM)).isFalse();
        }
    }

    @Test
    void fiftyChildrenExitingAtOnceAreAllReaped() throws Exception {
        try (Spawner spawner = Spawner.create("fifty")) {
            List<ChildProcess> kids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                kids.add(spawner.spawn(ProcessSpec.builder(TestPrograms.c("echo_child").toString()).build()));
            }
            for (ChildProcess k : kids) {
                k.push("ping".getBytes(UTF_8));
                k.pop();
            }
            for (ChildProcess k : kids) {
                k.push("exit:3".getBytes(UTF_8));  // all fifty leave within a few hundred microseconds
            }
            for (ChildProcess k : kids) {
                assertThat(k.onExit().get(30, TimeUnit.SECONDS).exitCode()).isEqualTo(3);
            }
            assertThat(spawner.reapedCount()).isEqualTo(50);
            assertThat(spawner.liveCount()).isZero();
            assertThat(Children.ofThisJvm()).as("zombies").isEmpty();
        }
    }

    @Test
    void groupKillTakesTheGrandchildren() throws Exception {
        try (Spawner spawner = Spawner.create("group")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder("sh", "-c",
                    "sleep 1000 & echo $!; sleep 1000 & echo $!; wait").noChannel().stdout(Redirect.PIPE).build());
            BufferedReader lines = new BufferedReader(new InputStreamReader(child.stdout(), UTF_8));
            long g1 = Long.parseLong(lines.readLine().trim());
            long g2 = Long.parseLong(lines.readLine().trim());
            assertThat(Children.state(g1)).isNotNull().isNotEqualTo("Z");
            assertThat(child.killGroup(Signal.SIGKILL)).isTrue();
            assertThat(child.waitFor()).hasToString("killed by SIGKILL");
            // the grandchildren were init's to reap: gone, or dead awaiting it
            await().atMost(Duration.ofSeconds(10)).until(() -> isDead(g1) && isDead(g2));
        }
    }

    private static boolean isDead(long pid) {
        String s = Children.state(pid);
        return s == null || s.equals("Z") || s.equals("X");
    }

    @Test
    void processBuilderChildrenKeepTheirExitCodes() throws Exception {
        try (Spawner spawner = Spawner.create("coexist")) {
            for (int round = 0; round < 5; round++) {
                Process jdk = new ProcessBuilder("sh", "-c", "exit 3").start();
                List<ChildProcess> ours = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    ours.add(spawner.spawn(sh("exit 1")));
                }
                for (ChildProcess c : ours) {
                    assertThat(c.waitFor().exitCode()).isEqualTo(1);
                    c.close();
                }
                assertThat(jdk.waitFor()).isEqualTo(3);
            }
        }
    }

    @Test
    void waitAnyReturnsEachExitOnceThenNothing() throws Exception {
        try (Spawner spawner = Spawner.create("wait")) {
            assertThat(spawner.waitAny(false)).isEmpty();
            assertThat(spawner.waitAny(true)).as("no child at all").isEmpty();
            ChildProcess a = spawner.spawn(sh("exit 4"));
            ChildProcess b = spawner.spawn(sh("exit 5"));
            List<ExitStatus> seen = new ArrayList<>();
            seen.add(spawner.waitAny(true).orElseThrow());
            seen.add(spawner.waitAny(true).orElseThrow());
            assertThat(seen).containsExactlyInAnyOrder(ExitStatus.exited(a.pid(), 4), ExitStatus.exited(b.pid(), 5));
            assertThat(spawner.waitAny(false)).isEmpty();
            assertThat(spawner.waitAny(true)).isEmpty();
            ChildProcess c = spawner.spawn(ProcessSpec.builder("cat").noChannel().stdin(Redirect.PIPE).build());
            assertThat(spawner.waitAny(false)).as("still running").isEmpty();
            assertThat(spawner.waitAny(Duration.ofMillis(20))).isEmpty();
            c.closeStdin();
            assertThat(spawner.waitAny(true)).contains(ExitStatus.exited(c.pid(), 0));
        }
    }

    @Test
    void catOverWriteAndRead() throws Exception {
        try (Spawner spawner = Spawner.create("cat")) {
            ChildProcess cat = spawner.spawn(ProcessSpec.builder("cat").noChannel()
                    .stdin(Redirect.PIPE).stdout(Redirect.PIPE).build());
            byte[] buf = new byte[1 << 16];
            for (int i = 0; i < 100; i++) {
                byte[] line = ("line " + i + "\n").getBytes(UTF_8);
                cat.write(line);
                int got = 0;
                while (got < line.length) {
                    got += cat.read(buf, got, buf.length - got);
                }
                assertThat(new String(buf, 0, got, UTF_8)).isEqualTo("line " + i + "\n");
            }
            // more than a pipe holds, written while read on another thread
            byte[] big = new byte[1 << 20];
            java.util.Arrays.fill(big, (byte) 'z');
            Thread writer = new Thread(() -> {
                try {
                    cat.write(big);
                    cat.closeStdin();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            writer.start();
            byte[] all = cat.stdout().readAllBytes();
            writer.join();
            assertThat(all).isEqualTo(big);
            assertThat(cat.waitFor().success()).isTrue();
        }
    }

    @Test
    void readAndWriteOnADeadChildFailFast() {
        assertTimeoutPreemptively(GUARD, () -> {
            try (Spawner spawner = Spawner.create("dead")) {
                ChildProcess child = spawner.spawn(ProcessSpec.builder("sh", "-c", "echo bye; echo why >&2; exit 9")
                        .noChannel().stdin(Redirect.PIPE).stdout(Redirect.PIPE).build());
                byte[] buf = new byte[100];
                int n = child.read(buf);
                assertThat(new String(buf, 0, n, UTF_8)).isEqualTo("bye\n");
                assertThatThrownBy(() -> child.read(buf))
                        .isInstanceOf(ProcessExitedException.class)
                        .hasMessageContaining("exited 9")
                        .hasMessageContaining("why");
                assertThatThrownBy(() -> child.write("hello?".getBytes(UTF_8)))
                        .isInstanceOf(ProcessExitedException.class).hasMessageContaining("exited 9");
                assertThat(child.lastLines()).containsExactly("why");
            }
        });
    }

    @Test
    void readDoesNotHangWhenADescendantHoldsTheDeadChildsPipe() {
        assertTimeoutPreemptively(GUARD, () -> {
            try (Spawner spawner = Spawner.create("held")) {
                // the background sleep keeps stdout open after sh exits: no EOF will come
                ChildProcess child = spawner.spawn(ProcessSpec.builder("sh", "-c", "sleep 1000 & exit 2")
                        .noChannel().stdout(Redirect.PIPE).build());
                assertThatThrownBy(() -> child.read(new byte[10]))
                        .isInstanceOf(ProcessExitedException.class).hasMessageContaining("exited 2");
                child.killGroup(Signal.SIGKILL);  // the sleep is init's now; don't leave it running
            }
        });
    }

    @Test
    void stderrIsRelayedAndItsLastLinesKept() throws Exception {
        try (Spawner spawner = Spawner.create("relay")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder("sh", "-c",
                    "for i in 1 2 3 4 5; do echo err$i >&2; done; echo out; printf partial >&2; exit 1")
                    .noChannel().tailLines(3).build());
            assertThat(child.waitFor().exitCode()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> child.lastLines().contains("partial"));
            assertThat(child.lastLines()).hasSize(3).contains("partial");
        }
    }

    @Test
    void closingASpawnerKillsAndReapsEveryChild() throws Exception {
        Spawner spawner = Spawner.create("close");
        List<ChildProcess> kids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            kids.add(spawner.spawn(ProcessSpec.builder("sh", "-c", "sleep 1000 & wait").noChannel().build()));
        }
        spawner.close();
        for (ChildProcess k : kids) {
            assertThat(k.exitStatus()).hasValueSatisfying(s -> assertThat(s.signal()).isEqualTo(9));
        }
        assertThat(spawner.reapedCount()).isEqualTo(10);
        assertThatThrownBy(() -> spawner.spawn(sh("true"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
