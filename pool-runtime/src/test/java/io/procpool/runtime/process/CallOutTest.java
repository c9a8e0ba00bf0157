package io.procpool.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.procpool.runtime.testing.Latches;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Code the loop calls out to (a pool's future callbacks) may block: the loop goes on on another thread, and the old
 * thread leaves it when its code returns. Each test would hang on a loop that waits for its call-out.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)  // a loop that waits for its call-out hangs
class CallOutTest {

    /** Runs {@code code} as a call-out from a task of the loop; completes with callOut's answer. */
    private static CompletableFuture<Boolean> callOut(EventLoop loop, Runnable code) {
        CompletableFuture<Boolean> kept = new CompletableFuture<>();
        loop.execute(() -> kept.complete(loop.callOut(code)));
        return kept;
    }

    private static Thread loopThread(EventLoop loop) {
        AtomicReference<Thread> t = new AtomicReference<>();
        loop.executeAndWait(() -> t.set(Thread.currentThread()));
        return t.get();
    }

    @Test
    void aQuickCallOutKeepsTheLoopOnItsThread() throws Exception {
        try (EventLoop loop = new EventLoop("callout-quick")) {
            Thread before = loopThread(loop);
            AtomicBoolean inLoop = new AtomicBoolean(true);
            assertThat(callOut(loop, () -> inLoop.set(loop.inLoop())).get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(inLoop).as("code called out to is not the loop").isFalse();
            assertThat(loopThread(loop)).isSameAs(before);
            assertThat(loop.takeOvers()).isZero();
        }
    }

    @Test
    void aBlockedCallOutHandsTheLoopToANewThreadAndLeavesWhenItReturns() throws Exception {
        try (EventLoop loop = new EventLoop("callout-blocked")) {
            Thread first = loopThread(loop);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Boolean> kept = callOut(loop, () -> Latches.await(release, 60));
            // the loop runs tasks and timers while its first thread is blocked
            CountDownLatch ran = new CountDownLatch(1);
            loop.execute(ran::countDown);
            assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Thread> timer = new CompletableFuture<>();
            loop.schedule(TimeUnit.MILLISECONDS.toNanos(5), 0, () -> timer.complete(Thread.currentThread()));
            Thread second = timer.get(30, TimeUnit.SECONDS);
            assertThat(second).isNotSameAs(first);
            assertThat(second.getName()).isEqualTo("callout-blocked-2");
            assertThat(loop.takeOvers()).isEqualTo(1);
            assertThat(first.isAlive()).isTrue();
            release.countDown();
            assertThat(kept.get(30, TimeUnit.SECONDS)).as("the call-out learns it lost the loop").isFalse();
            first.join(30_000);
            assertThat(first.isAlive()).as("the old thread leaves the loop").isFalse();
            assertThat(loopThread(loop)).isSameAs(second);
        }
    }

    @Test
    void aCallOutThatWaitsForTheLoopHandsItOverAtOnce() throws Exception {
        try (EventLoop loop = new EventLoop("callout-waits")) {
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            AtomicReference<Thread> calledOutOn = new AtomicReference<>();
            CompletableFuture<Boolean> kept = callOut(loop, () -> {
                calledOutOn.set(Thread.currentThread());
                loop.executeAndWait(() -> ranOn.set(Thread.currentThread()));  // would wait for itself
            });
            assertThat(kept.get(30, TimeUnit.SECONDS)).isFalse();
            assertThat(ranOn.get()).isNotNull().isNotSameAs(calledOutOn.get());
            assertThat(loop.takeOvers()).isEqualTo(1);
        }
    }

    @Test
    void closeWhileACallOutBlocksStopsTheLoopAndTheOldThreadLeavesQuietly() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> stuck = new AtomicReference<>();
        EventLoop loop = new EventLoop("callout-close");
        CompletableFuture<Boolean> kept = callOut(loop, () -> {
            stuck.set(Thread.currentThread());
            Latches.await(release, 60);
        });
        loop.close();  // returns once a new thread took the loop over and stopped it
        AtomicBoolean ranAfterClose = new AtomicBoolean();
        loop.execute(() -> ranAfterClose.set(true));  // a closed loop runs it on the caller
        assertThat(ranAfterClose).isTrue();
        release.countDown();
        assertThat(kept.get(30, TimeUnit.SECONDS)).isFalse();
        stuck.get().join(30_000);
        assertThat(stuck.get().isAlive()).isFalse();
    }

    @Test
    void aCallOutInACallOutJustRunsItsCode() throws Exception {
        try (EventLoop loop = new EventLoop("callout-nested")) {
            Thread first = loopThread(loop);
            AtomicBoolean innerKept = new AtomicBoolean();
            assertThat(callOut(loop, () -> innerKept.set(loop.callOut(() -> { }))).get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(innerKept).isTrue();
            assertThat(loopThread(loop)).isSameAs(first);
            assertThat(loop.takeOvers()).isZero();
        }
    }

    @Test
    void manyCallOutsInARowKeepOneThread() throws Exception {
        try (EventLoop loop = new EventLoop("callout-many")) {
            Thread first = loopThread(loop);
            for (int i = 0; i < 10_000; i++) {
                assertThat(callOut(loop, () -> { }).get(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(loopThread(loop)).isSameAs(first);
            assertThat(loop.takeOvers()).isZero();
        }
    }

    @Test
    void callOutsOnCallersOfAStoppedLoopOverlapWithoutSpinning() throws Exception {
        EventLoop loop = new EventLoop("callout-stopped");
        loop.close();  // a stopped loop runs what it is given on the caller: two callers may call out at once
        CountDownLatch firstIn = new CountDownLatch(1);
        CountDownLatch secondDone = new CountDownLatch(1);
        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> loop.callOut(() -> {
            firstIn.countDown();
            Latches.await(secondDone, 60);
        }));
        assertThat(firstIn.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.callOut(() -> { })).isTrue();
        secondDone.countDown();
        // the first call-out ends after the second began and ended: it must return, not wait for a take-over
        assertThat(first.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.takeOvers()).isZero();
    }

    @Test
    void closeFromACallOutStopsTheLoopOnAnotherThread() throws Exception {
        EventLoop loop = new EventLoop("callout-selfclose");
        AtomicReference<Thread> calledOutOn = new AtomicReference<>();
        CompletableFuture<Boolean> kept = callOut(loop, () -> {
            calledOutOn.set(Thread.currentThread());
            loop.close();  // waits for the loop to stop: another thread must stop it
        });
        assertThat(kept.get(30, TimeUnit.SECONDS)).isFalse();
        assertThat(loop.takeOvers()).isEqualTo(1);
        AtomicBoolean ranAfterClose = new AtomicBoolean();
        loop.execute(() -> ranAfterClose.set(true));  // stopped: runs on the caller
        assertThat(ranAfterClose).isTrue();
        calledOutOn.get().join(30_000);
        assertThat(calledOutOn.get().isAlive()).isFalse();
    }
}
