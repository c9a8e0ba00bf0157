package io.procpool.runtime.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.procpool.ExitStatus;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One test per bug found in review, so that none comes back. */
@ExtendWith(NoChildLeft.class)
class RegressionTest {

    private static final Duration GUARD = Duration.ofSeconds(60);

    @Test
    void anExitedChildNotYetClosedDoesNotKeepTheIoThreadBusy() throws Exception {
        try (Spawner spawner = Spawner.create("hup")) {
            ChildProcess dead = spawner.spawn(ProcessSpec.builder(TestPrograms.c("echo_child").toString()).build());
            dead.push("exit:0".getBytes(UTF_8));
            dead.waitFor();
            EventLoop loop = loopOf(spawner);
            long before = loop.wakeups();
            // some real work that needs the loop: 20 children started and reaped
            for (int i = 0; i < 20; i++) {
                try (ChildProcess c = spawner.spawn(ProcessSpec.builder("true").noChannel().build())) {
                    c.waitFor();
                }
            }
            long woke = loop.wakeups() - before;
            // about two wake-ups a child (its exit, the release); a hang-up busy loop makes it thousands
            assertThat(woke).isLessThan(200);
        }
    }

    private static EventLoop loopOf(Spawner spawner) throws ReflectiveOperationException {
        var f = Spawner.class.getDeclaredField("loop");
        f.setAccessible(true);
        return (EventLoop) f.get(spawner);
    }

    @Test
    void noWakeUpOfTheIoThreadIsLost() {
        // found by the benchmark: a wake-up written between re-arming and draining the eventfd was lost
        assertTimeoutPreemptively(GUARD, () -> {
            try (Spawner spawner = Spawner.create("wake")) {
                Runnable hammer = () -> {
                    for (int i = 0; i < 50_000; i++) {
                        CountDownLatch ran = new CountDownLatch(1);
                        spawner.execute(ran::countDown);
                        try {
                            if (!ran.await(10, TimeUnit.SECONDS)) {
                                throw new AssertionError("task " + i + " never ran: a lost wake-up");
                            }
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                };
                CompletableFuture<Void> a = CompletableFuture.runAsync(hammer);
                CompletableFuture<Void> b = CompletableFuture.runAsync(hammer);
                a.get();
                b.get();
            }
        });
    }

    @Test
    void anExitHandlerTouchingTheChildDoesNotDeadlockClose() {
        assertTimeoutPreemptively(GUARD, () -> {
            try (Spawner spawner = Spawner.create("deadlock")) {
                ChildProcess[] self = new ChildProcess[1];
                CountDownLatch handlerStarted = new CountDownLatch(1);
                CountDownLatch closeStarted = new CountDownLatch(1);
                self[0] = spawner.spawn(ProcessSpec.builder("cat").noChannel().stdin(Redirect.PIPE)
                        .onExit(st -> {
                            handlerStarted.countDown();
                            try {
                                closeStarted.await(10, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            self[0].closeStdin();  // needs the stdin monitor while close() is running
                        }).build());
                CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                    try {
                        handlerStarted.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    closeStarted.countDown();
                    self[0].close();
                });
                self[0].kill(9);
                closing.get(30, TimeUnit.SECONDS);
            }
        });
    }

    @Test
    void closingTheSpawnerFromAnExitHandlerStillReapsEveryone() {
        assertTimeoutPreemptively(GUARD, () -> {
            Spawner spawner = Spawner.create("close-on-loop");
            ChildProcess sibling = spawner.spawn(ProcessSpec.builder("sleep", "1000").noChannel().build());
            spawner.spawn(ProcessSpec.builder("true").noChannel().onExit(st -> spawner.close()).build());
            assertThat(sibling.onExit().get(30, TimeUnit.SECONDS).signal()).isEqualTo(9);
        });
    }

    @Test
    void readLeavesTheBytesItDidNotFillUntouched() throws Exception {
        try (Spawner spawner = Spawner.create("read")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder("printf", "hi").noChannel()
                    .stdout(Redirect.PIPE).build());
            byte[] buf = new byte[16];
            Arrays.fill(buf, (byte) 0x55);
            int n = child.read(buf, 4, 8);
            assertThat(n).isEqualTo(2);
            assertThat(new String(buf, 4, 2, UTF_8)).isEqualTo("hi");
            for (int i = 0; i < 16; i++) {
                if (i < 4 || i >= 6) {
                    assertThat(buf[i]).as("byte %d", i).isEqualTo((byte) 0x55);
                }
            }
            Arrays.fill(buf, (byte) 0x55);
            child.waitFor();
        }
    }

    @Test
    void aChannelAtAHighFdLeavesNoGapOfTheJvmsDescriptors() throws Exception {
        try (Spawner spawner = Spawner.create("fd9")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder(TestPrograms.c("echo_child").toString())
                    .channelFd(9).build());
            child.push("fds".getBytes(UTF_8));
            assertThat(new String(child.pop(), UTF_8).trim().split(" ")).containsExactlyInAnyOrder("0", "1", "2", "9");
            try (Stream<Path> fds = Files.list(Path.of("/proc/" + child.pid() + "/fd"))) {
                List<String> names = fds.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
                assertThat(names).containsExactly("0", "1", "2", "9");
            }
        }
    }

    @Test
    void closeKillsAChildThatLeftItsProcessGroup() {
        assertTimeoutPreemptively(GUARD, () -> {
            try (Spawner spawner = Spawner.create("moved")) {
                // joins the JVM's own process group, out of reach of a group kill
                ChildProcess child = spawner.spawn(ProcessSpec.builder("perl", "-e",
                        "$| = 1; setpgrp(0, getpgrp(getppid())) or die; print \"moved\\n\"; sleep 1000")
                        .noChannel().stdout(Redirect.PIPE).build());
                byte[] buf = new byte[16];
                assertThat(new String(buf, 0, child.read(buf), UTF_8)).isEqualTo("moved\n");
                child.close();
                assertThat(child.exitStatus()).hasValueSatisfying(s -> assertThat(s).isEqualTo(
                        ExitStatus.killed(child.pid(), 9, false)));
            }
        });
    }
}
