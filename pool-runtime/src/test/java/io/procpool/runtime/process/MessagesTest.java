package io.procpool.runtime.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitStatus;
import io.procpool.MessageTooLargeException;
import io.procpool.ProcessExitedException;
import io.procpool.runtime.testing.JavaEchoChild;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** push/pop over the fd-3 channel with real C and Java children. */
@ExtendWith(NoChildLeft.class)
class MessagesTest {

    private static final Duration GUARD = Duration.ofSeconds(30);

    private static ProcessSpec cEcho() {
        return ProcessSpec.builder(TestPrograms.c("echo_child").toString()).name("c-echo").build();
    }

    @Test
    void cChildEchoesOverPushPop() throws Exception {
        try (Spawner spawner = Spawner.create("msg")) {
            ChildProcess child = spawner.spawn(cEcho());
            for (int i = 0; i < 1000; i++) {
                child.push(("hello " + i).getBytes(UTF_8));
                assertThat(new String(child.pop(), UTF_8)).isEqualTo("hello " + i);
            }
            child.push(new byte[0]);
            assertThat(child.pop()).isEmpty();
            child.shutdownChannel();
            assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(child.pid(), 0));
        }
    }

    @Test
    void javaChildEchoesOverInheritedChannelAtFdZero() throws Exception {
        try (Spawner spawner = Spawner.create("msg")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder(TestPrograms.java(JavaEchoChild.class))
                    .name("java-echo").channelFd(0).build());
            for (int i = 0; i < 200; i++) {
                child.push(("java " + i).getBytes(UTF_8));
                assertThat(new String(child.pop(), UTF_8)).isEqualTo("java " + i);
            }
            child.push("exit:7".getBytes(UTF_8));
            assertThat(child.waitFor().exitCode()).isEqualTo(7);
        }
    }

    @Test
    void manyMessagesInFlightArriveInOrderAndWhole() throws Exception {
        try (Spawner spawner = Spawner.create("msg")) {
            ChildProcess child = spawner.spawn(cEcho());
            child.push("burst:50000".getBytes(UTF_8));
            for (int i = 0; i < 50000; i++) {
                assertThat(new String(child.pop(), UTF_8)).isEqualTo(Integer.toString(i));
            }
            // large messages in both directions, several in flight
            byte[] big = new byte[3 << 20];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) i;
            }
            for (int i = 0; i < 4; i++) {
                child.push(big);
            }
            for (int i = 0; i < 4; i++) {
                assertThat(child.pop()).isEqualTo(big);
            }
        }
    }

    @Test
    void oversizeMessageIsRefusedOnBothSidesAndTheChannelStaysUsable() throws Exception {
        try (Spawner spawner = Spawner.create("msg")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder(TestPrograms.c("echo_child").toString())
                    .maxMessageSize(1000).build());
            assertThatThrownBy(() -> child.push(new byte[1001]))
                    .isInstanceOf(MessageTooLargeException.class)
                    .hasMessageContaining("1001 bytes").hasMessageContaining("maxMessageSize is 1000");
            child.push("big:5000".getBytes(UTF_8));
            assertThatThrownBy(child::pop)
                    .isInstanceOf(MessageTooLargeException.class)
                    .hasMessageContaining("5000 bytes").hasMessageContaining("skipped");
            child.push("still here".getBytes(UTF_8));
            assertThat(new String(child.pop(), UTF_8)).isEqualTo("still here");
        }
    }

    @Test
    void popOnADeadChildFailsFastNamingTheExitStatus() {
        assertTimeoutPreemptively(GUARD, () -> {
            try (Spawner spawner = Spawner.create("msg")) {
                ChildProcess child = spawner.spawn(cEcho());
                child.push("last words".getBytes(UTF_8));
                child.push("exit:5".getBytes(UTF_8));
                assertThat(new String(child.pop(), UTF_8)).isEqualTo("last words");
                assertThatThrownBy(child::pop)
                        .isInstanceOf(ProcessExitedException.class)
                        .hasMessageContaining("exited 5")
                        .satisfies(e -> assertThat(((ProcessExitedException) e).status().exitCode()).isEqualTo(5));
                assertThatThrownBy(() -> child.push("anyone?".getBytes(UTF_8)))
                        .isInstanceOf(ProcessExitedException.class).hasMessageContaining("exited 5");
                assertThatThrownBy(() -> child.pop(Duration.ofSeconds(5)))
                        .isInstanceOf(ProcessExitedException.class);
            }
        });
    }

    @Test
    void popOnAChildKilledWhileWaitingFailsFast() {
        assertTimeoutPreemptively(GUARD, () -> {
            try (Spawner spawner = Spawner.create("msg")) {
                ChildProcess child = spawner.spawn(cEcho());
                CountDownLatch popping = new CountDownLatch(1);
                List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());
                Thread t = new Thread(() -> {
                    popping.countDown();
                    try {
                        child.pop();
                    } catch (Throwable e) {
                        thrown.add(e);
                    }
                });
                t.start();
                popping.await();
                org.awaitility.Awaitility.await().until(() -> t.getState() == Thread.State.WAITING);  // inside pop
                child.kill(9);
                t.join();
                assertThat(thrown).singleElement().isInstanceOf(ProcessExitedException.class)
                        .extracting(Throwable::getMessage).asString().contains("killed by SIGKILL");
            }
        });
    }

    @Test
    void timedPopReturnsEmptyWhenNothingArrives() throws Exception {
        try (Spawner spawner = Spawner.create("msg")) {
            ChildProcess child = spawner.spawn(cEcho());
            assertThat(child.pop(Duration.ofMillis(50))).isEmpty();
            child.push("x".getBytes(UTF_8));
            assertThat(child.pop(Duration.ofSeconds(10))).hasValueSatisfying(m -> assertThat(m).containsExactly('x'));
        }
    }

    @Test
    void handlerReceivesMessagesOnTheIoThreadAndExitAfterTheLastOne() throws Exception {
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch exited = new CountDownLatch(1);
        try (Spawner spawner = Spawner.create("events")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder(TestPrograms.c("echo_child").toString())
                    .onMessage((c, buf) -> {
                        threads.add(Thread.currentThread().getName());
                        got.add(UTF_8.decode(buf).toString());
                    })
                    .onExit(st -> {
                        got.add("exit " + st);
                        exited.countDown();
                    })
                    .build());
            child.push("burst:100".getBytes(UTF_8));
            child.push("exit:0".getBytes(UTF_8));
            assertThat(exited.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(got).hasSize(101);
            assertThat(got.get(99)).isEqualTo("99");
            assertThat(got.get(100)).isEqualTo("exit exited 0");
            assertThat(threads).allMatch(n -> n.equals("procpool-io-events"));
            assertThatThrownBy(child::pop).isInstanceOf(IllegalStateException.class).hasMessageContaining("onMessage");
        }
    }

    @Test
    void aHandlerThatThrowsDoesNotStopLaterMessages() throws Exception {
        CountDownLatch three = new CountDownLatch(3);
        try (Spawner spawner = Spawner.create("events")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder(TestPrograms.c("echo_child").toString())
                    .onMessage((c, buf) -> {
                        three.countDown();
                        if (buf.remaining() == 3) {
                            throw new IllegalStateException("boom (expected by the test)");
                        }
                    }).build());
            child.push("a".getBytes(UTF_8));
            child.push("bcd".getBytes(UTF_8));
            child.push(ByteBuffer.allocate(2).array());
            assertThat(three.await(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
