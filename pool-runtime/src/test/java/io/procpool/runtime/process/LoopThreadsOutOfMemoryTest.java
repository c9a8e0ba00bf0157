package io.procpool.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.runtime.testing.Latches;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call-out whose watchdog cannot start (a JVM out of threads) still runs its code and gives the loop back (a pool's
 * completions adopted for it would stay pending otherwise); the next call-out starts the watchdog.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopThreadsOutOfMemoryTest {

    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private volatile boolean running = true;
    private final LoopThreads threads = new LoopThreads("lt-oom-test", this::loop);

    private void loop() {
        while (running) {
            try {
                tasks.take().run();
            } catch (InterruptedException e) {
                return;
            }
            if (!threads.leads()) {
                return;
            }
        }
    }

    @Test
    void aCallOutWhoseWatchdogCannotStartRunsItsCodeAndTheNextStartsIt() throws Exception {
        AtomicInteger failures = new AtomicInteger(1);
        threads.watchdogStarter = t -> {
            if (failures.getAndDecrement() > 0) {
                throw new OutOfMemoryError("unable to create native thread (a test)");
            }
            t.start();
        };
        threads.start();
        CompletableFuture<Boolean> ran = new CompletableFuture<>();
        CompletableFuture<Boolean> kept = new CompletableFuture<>();
        tasks.add(() -> kept.complete(threads.callOut(() -> ran.complete(true))));
        assertThat(ran.get(30, TimeUnit.SECONDS)).as("the call-out's code ran").isTrue();
        assertThat(kept.get(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> inLoop = new CompletableFuture<>();
        tasks.add(() -> inLoop.complete(threads.inLoop()));
        assertThat(inLoop.get(30, TimeUnit.SECONDS)).as("the loop is the loop's again").isTrue();

        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Thread> blocked = new CompletableFuture<>();
        CompletableFuture<Boolean> keptAfter = new CompletableFuture<>();
        tasks.add(() -> keptAfter.complete(threads.callOut(() -> {
            blocked.complete(Thread.currentThread());
            Latches.await(release, 60);
        })));
        blocked.get(30, TimeUnit.SECONDS);
        CompletableFuture<Thread> taker = new CompletableFuture<>();
        tasks.add(() -> taker.complete(Thread.currentThread()));  // runs once the watchdog took the loop over
        assertThat(taker.get(30, TimeUnit.SECONDS)).isNotSameAs(blocked.get());
        release.countDown();
        assertThat(keptAfter.get(30, TimeUnit.SECONDS)).isFalse();
        assertThat(threads.takeOvers()).isEqualTo(1);
        running = false;
        tasks.add(() -> { });
        threads.close();
        taker.get().join(30_000);
        blocked.get().join(30_000);
        assertThat(taker.get().isAlive()).isFalse();
        assertThat(blocked.get().isAlive()).isFalse();
    }
}
