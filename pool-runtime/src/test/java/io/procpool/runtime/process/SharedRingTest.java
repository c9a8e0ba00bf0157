package io.procpool.runtime.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;

import io.procpool.ProcessExitedException;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import io.procpool.runtime.worker.RingChild;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A child that sends through a shared-memory ring ({@link SharedRing}), with a real Java child ({@link RingChild}). */
@ExtendWith(NoChildLeft.class)
class SharedRingTest {

    private static ProcessSpec ringChild(int ring) {
        return ProcessSpec.builder(TestPrograms.java(RingChild.class)).name("ring").channelFd(0).sharedRing(ring)
                .build();
    }

    private static String pop(ChildProcess child) throws Exception {
        return new String(child.pop(Duration.ofSeconds(30)).orElseThrow(() -> new AssertionError("no message in 30 s")),
                UTF_8);
    }

    @Test
    void roundTripsFromIdleBurstsAndMessagesLargerThanTheRingAllArriveInOrder() throws Exception {
        try (Spawner spawner = Spawner.create("ring")) {
            ChildProcess child = spawner.spawn(ringChild(64 << 10));
            // each round trip finds the manager blocked: the answer needs the doorbell
            for (int i = 0; i < 2000; i++) {
                child.push(("echo:" + i).getBytes(UTF_8));
                assertThat(pop(child)).isEqualTo(Integer.toString(i));
            }
            child.push("burst:50000".getBytes(UTF_8));
            for (int i = 0; i < 50000; i++) {
                assertThat(pop(child)).isEqualTo(Integer.toString(i));
            }
            for (int size : new int[] {(64 << 10) - 4, 64 << 10, 3 << 20}) {  // up to 48 laps of the ring
                child.push(("big:" + size).getBytes(UTF_8));
                byte[] big = child.pop(Duration.ofSeconds(30)).orElseThrow();
                assertThat(big).hasSize(size);
                for (int i = 0; i < size; i++) {
                    if (big[i] != (byte) (i % 251)) {
                        throw new AssertionError("byte " + i + " of " + size + " is " + big[i]);
                    }
                }
            }
            child.shutdownChannel();
            assertThat(child.waitFor().exitCode()).isZero();
        }
    }

    @Test
    void whatADeadChildPublishedIsReadAfterItsDeathAndAHalfMessageIsNot() throws Exception {
        try (Spawner spawner = Spawner.create("ring")) {
            ChildProcess child = spawner.spawn(ringChild(64 << 10));
            child.push("burst:3000".getBytes(UTF_8));
            child.push("half".getBytes(UTF_8));
            assertThat(child.waitFor().exitCode()).isEqualTo(3);
            for (int i = 0; i < 3000; i++) {
                assertThat(pop(child)).isEqualTo(Integer.toString(i));
            }
            assertThatThrownBy(child::pop).isInstanceOf(ProcessExitedException.class);
        }
    }

    /** pop mode with a small inbox: reading pauses while the ring still holds messages. */
    private static ProcessSpec pausedRingChild() {
        return ProcessSpec.builder(TestPrograms.java(RingChild.class)).name("ring").channelFd(0).sharedRing(64 << 10)
                .inboxCapacity(8).build();
    }

    private static Object field(Object of, String name) throws Exception {
        Field f = of.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(of);
    }

    @Test
    void aChildThatClosesItsSocketWhileReadingIsPausedLosesNothingOfWhatItsRingHolds() throws Exception {
        try (Spawner spawner = Spawner.create("ring")) {
            ChildProcess child = spawner.spawn(pausedRingChild());
            child.push("closeafter:5000".getBytes(UTF_8));
            Channel channel = (Channel) field(child, "channel");
            Field hangup = Channel.class.getDeclaredField("hangup");
            hangup.setAccessible(true);
            // nothing popped yet: the inbox is full, and the child's end closes while reading is paused
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> hangup.getBoolean(channel));
            for (int i = 0; i < 5000; i++) {
                assertThat(pop(child)).isEqualTo(Integer.toString(i));
            }
            assertThatThrownBy(() -> child.pop(Duration.ofSeconds(30))).isInstanceOf(ProcessExitedException.class)
                    .hasMessageContaining("closed its end");
            child.kill(9);
            assertThat(child.waitFor(Duration.ofSeconds(30))).isPresent();
        }
    }

    @Test
    void whilePausedWithMessagesInTheRingTheLoopMayBlock() throws Exception {
        try (Spawner spawner = Spawner.create("ring")) {
            ChildProcess child = spawner.spawn(pausedRingChild());
            child.push("burst:3000".getBytes(UTF_8));
            Channel channel = (Channel) field(child, "channel");
            Field paused = Channel.class.getDeclaredField("readPaused");
            paused.setAccessible(true);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> paused.getBoolean(channel));
            boolean[] mustNotBlock = new boolean[1];
            ((EventLoop) field(child, "loop")).executeAndWait(() -> mustNotBlock[0] = channel.arm());
            assertThat(mustNotBlock[0]).as("arm() while paused: true kept the I/O thread spinning").isFalse();
            for (int i = 0; i < 3000; i++) {
                assertThat(pop(child)).isEqualTo(Integer.toString(i));
            }
            child.shutdownChannel();
            assertThat(child.waitFor().exitCode()).isZero();
        }
    }

    @Test
    void aWritePositionOutOfRangeEndsTheChannelAndTheManagerGoesOn() throws Exception {
        try (Spawner spawner = Spawner.create("ring")) {
            ChildProcess bad = spawner.spawn(ringChild(64 << 10));
            ChildProcess good = spawner.spawn(ringChild(64 << 10));
            bad.push("echo:before".getBytes(UTF_8));
            assertThat(pop(bad)).isEqualTo("before");
            bad.push("badtail".getBytes(UTF_8));
            assertThatThrownBy(() -> bad.pop(Duration.ofSeconds(30))).isInstanceOf(ProcessExitedException.class)
                    .hasMessageContaining("closed its end");
            good.push("echo:still here".getBytes(UTF_8));
            assertThat(pop(good)).isEqualTo("still here");
            bad.kill(9);
            assertThat(bad.waitFor(Duration.ofSeconds(30))).isPresent();
            good.shutdownChannel();
            assertThat(good.waitFor().exitCode()).isZero();
        }
    }

    @Test
    void theChildCannotShrinkTheSharedMemoryUnderTheManager() throws Exception {
        try (Spawner spawner = Spawner.create("ring")) {
            ChildProcess child = spawner.spawn(ringChild(64 << 10));
            child.push("truncate".getBytes(UTF_8));
            assertThat(pop(child)).isEqualTo("sealed");
            child.push("echo:after".getBytes(UTF_8));
            assertThat(pop(child)).isEqualTo("after");
            child.push("exit:0".getBytes(UTF_8));
            assertThat(child.waitFor().exitCode()).isZero();
        }
    }

    @Test
    void aChildWithoutARingDoesNotInheritTheRingVariable() throws Exception {
        try (Spawner spawner = Spawner.create("ring")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder("sh", "-c",
                    "echo ${" + SharedRing.FD_ENV + ":-none}").env(SharedRing.FD_ENV, "5").noChannel()
                    .stdout(Redirect.PIPE).build());
            assertThat(new String(child.stdout().readAllBytes(), UTF_8).trim()).isEqualTo("none");
            assertThat(child.waitFor().exitCode()).isZero();
        }
    }

    @Test
    void aRingSizeThatIsNotAPowerOfTwoInRangeIsRefused() {
        for (int bad : new int[] {-1, 1000, 32 << 10, (64 << 10) + 1, 128 << 20}) {
            assertThatThrownBy(() -> ProcessSpec.builder("true").sharedRing(bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sharedRing")
                    .hasMessageContaining(Integer.toString(bad));
        }
        assertThatThrownBy(() -> ProcessSpec.builder("true").noChannel().sharedRing(64 << 10).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("noChannel");
    }

    @Test
    void theWorkersLayoutIsTheManagers() throws Exception {
        Class<?> out = Class.forName("io.procpool.runtime.worker.RingOut");
        for (String name : List.of("FD_ENV", "TAIL", "HEAD", "ASLEEP", "DATA")) {
            Field worker = out.getDeclaredField(name);
            worker.setAccessible(true);
            Field manager = SharedRing.class.getDeclaredField(name);
            manager.setAccessible(true);
            assertThat(worker.get(null)).as(name).isEqualTo(manager.get(null));
        }
    }
}
