package io.procpool.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** How other threads wake the I/O thread: the eventfd only when the loop may be blocked in epoll_wait. */
class EventLoopWakeTest {

    @Test
    void aBlockedLoopIsWokenAndABusyOneIsNot() throws Exception {
        try (EventLoop loop = new EventLoop("wake-test")) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            await().atMost(Duration.ofSeconds(30)).until(loop::blocked);  // started, nothing to do: it waits
            long first = loop.wakeWrites();
            loop.execute(() -> {  // this wakes it, and it drains the eventfd before it runs this
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long before;
            long after;
            CountDownLatch all = new CountDownLatch(100);
            try {
                assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
                before = loop.wakeWrites();
                assertThat(before).isEqualTo(first + 1);
                for (int i = 0; i < 100; i++) {
                    loop.execute(all::countDown);
                }
                after = loop.wakeWrites();
            } finally {
                release.countDown();
            }
            assertThat(after).isEqualTo(before);  // busy: it runs them before it blocks again
            assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
            CountDownLatch later = new CountDownLatch(1);
            loop.execute(later::countDown);  // blocked again by now, or about to be: either way it runs
            assertThat(later.await(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** The eventfd is edge-triggered and never read: every wake-up after the first must still wake the loop. */
    @Test
    void everyWakeUpOfABlockedLoopWakesIt() throws Exception {
        try (EventLoop loop = new EventLoop("wake-many")) {
            for (int i = 0; i < 200; i++) {
                await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .until(loop::blocked);
                long writes = loop.wakeWrites();
                CountDownLatch ran = new CountDownLatch(1);
                loop.execute(ran::countDown);
                assertThat(ran.await(30, TimeUnit.SECONDS)).as("wake-up %d", i).isTrue();
                assertThat(loop.wakeWrites()).isEqualTo(writes + 1);
            }
        }
    }
}
