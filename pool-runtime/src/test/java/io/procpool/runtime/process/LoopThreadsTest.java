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
 * The hand-over of {@link LoopThreads} on its own, with a loop of a queue's tasks: a take-over whose thread cannot
 * start (a JVM out of threads) leaves the loop to the thread that had it, rather than to none; a call-out whose
 * watchdog cannot start still runs its code and gives the loop back (a pool's completions adopted for it would stay
 * pending otherwise), and the next call-out starts the watchdog.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopThreadsTest {

    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private volatile boolean running = true;
    private final LoopThreads threads = new LoopThreads("lt-test", this::loop);

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
    void aTakeOverWhoseThreadCannotStartLeavesTheLoopToTheBlockedThread() throws Exception {
        CountDownLatch attempts = new CountDownLatch(2);
        threads.starter = t -> {
            attempts.countDown();
            throw new OutOfMemoryError("unable to create native thread (a test)");
        };
        threads.start();
        CompletableFuture<Thread> first = new CompletableFuture<>();
        tasks.add(() -> first.complete(Thread.currentThread()));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> kept = new CompletableFuture<>();
        tasks.add(() -> kept.complete(threads.callOut(() -> Latches.await(release, 60))));
        assertThat(attempts.await(30, TimeUnit.SECONDS)).as("the watchdog tried, and tries again").isTrue();
        release.countDown();
        assertThat(kept.get(30, TimeUnit.SECONDS)).as("the call-out kept the loop").isTrue();
        CompletableFuture<Thread> after = new CompletableFuture<>();
        tasks.add(() -> after.complete(Thread.currentThread()));
        assertThat(after.get(30, TimeUnit.SECONDS)).isSameAs(first.get());
        assertThat(threads.takeOvers()).isZero();
        assertThat(threads.stranded()).isZero();
        running = false;
        tasks.add(() -> { });
        threads.close();
        first.get().join(30_000);
        assertThat(first.get().isAlive()).isFalse();
    }

    @Test
    void aTakeOverHandsTheLoopToANewThreadOnlyOnceItLeads() throws Exception {
        threads.start();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Thread> blocked = new CompletableFuture<>();
        CompletableFuture<Boolean> kept = new CompletableFuture<>();
        tasks.add(() -> kept.complete(threads.callOut(() -> {
            blocked.complete(Thread.currentThread());
            Latches.await(release, 60);
        })));
        blocked.get(30, TimeUnit.SECONDS);
        CompletableFuture<Boolean> inLoop = new CompletableFuture<>();
        tasks.add(() -> inLoop.complete(threads.inLoop()));  // runs once another thread took the loop over
        assertThat(inLoop.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(threads.stranded()).isEqualTo(1);
        release.countDown();
        assertThat(kept.get(30, TimeUnit.SECONDS)).isFalse();
        blocked.get().join(30_000);
        assertThat(blocked.get().isAlive()).isFalse();
        assertThat(threads.stranded()).isZero();
        assertThat(threads.takeOvers()).isEqualTo(1);
        running = false;
        tasks.add(() -> { });
        threads.close();
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
