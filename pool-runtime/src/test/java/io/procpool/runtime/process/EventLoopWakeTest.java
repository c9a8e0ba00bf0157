package io.procpool.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

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
            loop.execute(() -> {  // the loop is blocked (this wakes it) or about to run its tasks
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
}
