package io.procpool.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The I/O thread outlives an error it cannot even log (a full heap fails the log line too): a task's or a timer's.
 * Before, the log call's own OutOfMemoryError left the loop, the thread died, and every pool on it stopped for good.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventLoopOutOfMemoryTest {

    @Test
    void aTaskWhoseErrorCannotBeLoggedLeavesTheLoopRunning() throws Exception {
        try (EventLoop loop = new EventLoop("oom-task")) {
            for (int i = 0; i < 3; i++) {
                loop.execute(() -> {
                    throw new Unprintable();
                });
                CountDownLatch after = new CountDownLatch(1);
                loop.execute(after::countDown);
                assertThat(after.await(30, TimeUnit.SECONDS)).as("a task after error %d", i).isTrue();
            }
        }
    }

    @Test
    void aTimerWhoseErrorCannotBeLoggedLeavesTheLoopRunning() throws Exception {
        try (EventLoop loop = new EventLoop("oom-timer")) {
            CountDownLatch fired = new CountDownLatch(1);
            loop.schedule(0, 0, () -> {
                fired.countDown();
                throw new Unprintable();
            });
            assertThat(fired.await(30, TimeUnit.SECONDS)).isTrue();
            CountDownLatch later = new CountDownLatch(1);
            loop.schedule(TimeUnit.MILLISECONDS.toNanos(1), 0, later::countDown);
            assertThat(later.await(30, TimeUnit.SECONDS)).as("a timer after the error").isTrue();
            CountDownLatch after = new CountDownLatch(1);
            loop.execute(after::countDown);
            assertThat(after.await(30, TimeUnit.SECONDS)).as("a task after the error").isTrue();
        }
    }
}
