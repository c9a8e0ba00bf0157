package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.runtime.process.Spawner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The completer's own steps out of memory (a node of its deques): a hand-off takes all or nothing, a batch taken but
 * not queued runs on the handing thread, the I/O thread's hand-off is tried again until it goes through; a batch with
 * barriers whose middle part cannot be queued, a stopping completer, its watchdog and its last thread: every step
 * runs once, none is left pending.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CompleterOutOfMemoryTest {

    private static final class Key extends Ordered {
        @Override
        boolean settled() {
            return false;
        }
    }

    private static final AtomicInteger TESTS = new AtomicInteger();
    private final FailingDeques.Queue queue = new FailingDeques.Queue();
    private final FailingDeques.Open open = new FailingDeques.Open();
    private final Completer completer = new Completer("coom" + TESTS.incrementAndGet(), queue, open);
    private final List<String> ran = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() throws Exception {
        queue.adds.set(0, 0);
        queue.addFirsts.set(0, 0);
        queue.waits.set(0, 0);
        open.adds.set(0, 0);
        open.iterators.set(0, 0);
        CountDownLatch stopped = new CountDownLatch(1);
        completer.stop(stopped::countDown);
        assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();
    }

    private Delivery step(Key key, String what, CountDownLatch done) {
        return new Delivery(key, () -> {
            ran.add(what);
            done.countDown();
        });
    }

    private Runnable barrier(String what, CountDownLatch done) {
        return () -> {
            ran.add(what);
            done.countDown();
        };
    }

    /** Its wait for work makes a node (AbstractQueuedSynchronizer): the thread outlives that wait's error. */
    @Test
    void aCompletionThreadOutOfMemoryInItsWaitGoesOnAsTheOnlyThread() throws Exception {
        Key k = new Key();
        CountDownLatch first = new CountDownLatch(1);
        completer.hand(List.of(step(k, "a", first)));
        assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
        queue.waits.set(0, 2);  // its next two waits fail: before, the thread died, and the watchdog started another
        for (int i = 0; i < 3; i++) {
            CountDownLatch done = new CountDownLatch(1);
            completer.hand(List.of(step(k, "s" + i, done)));
            assertThat(done.await(30, TimeUnit.SECONDS)).as("step %d", i).isTrue();
        }
        assertThat(ran).containsExactly("a", "s0", "s1", "s2");
        assertThat(completer.threads()).isEqualTo(1);
    }

    /** A step that fails so that even its log line runs out of memory: its thread, and its key's next steps, go on. */
    @Test
    void aStepWhoseErrorCannotBeLoggedLeavesItsThreadAndKeyRunning() throws Exception {
        Key k = new Key();
        CountDownLatch done = new CountDownLatch(2);
        completer.hand(List.of(new Delivery(k, () -> {
            throw new io.procpool.runtime.process.Unprintable();
        }), step(k, "after", done)));
        completer.hand(List.of(step(k, "later", done)));
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("after", "later");
        assertThat(completer.threads()).isEqualTo(1);
    }

    @Test
    void aBarrierPartThatCannotBeQueuedRunsOnTheHandingThreadAfterThePartBeforeIt() throws Exception {
        Key k = new Key();
        Key other = new Key();
        CountDownLatch done = new CountDownLatch(4);
        CountDownLatch release = new CountDownLatch(1);
        Delivery first = new Delivery(k, () -> {
            await(release);  // the part before the barrier is still running when the barrier is handed
            ran.add("a");
            done.countDown();
        });
        queue.adds.set(1, 1);  // the first part is queued, the barrier is not: it and the rest run on this thread
        CompletableFuture<Thread> handed = CompletableFuture.supplyAsync(() -> {
            completer.hand(List.of(first, barrier("barrier", done), step(k, "b", done), step(other, "c", done)));
            return Thread.currentThread();
        });
        release.countDown();
        Thread handing = handed.get(30, TimeUnit.SECONDS);
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(handing).isNotNull();
        // b, of a's key, may run with a (its key's chain), before the barrier: it was handed after it
        assertThat(ran).containsExactlyInAnyOrder("a", "barrier", "b", "c").containsSubsequence("a", "barrier")
                .containsSubsequence("a", "b");
        assertThat(open).isEmpty();
        assertThat(k.first).isNull();
    }

    /**
     * A barrier whose wait for the batches ahead runs out of memory (its look through them) still runs, once they are
     * done. Before, it was claimed and never run nor finished: lost (a termination's last step, a shutdownNow's list),
     * and every later barrier waited on it for good.
     */
    @Test
    void aBarrierWhoseWaitRunsOutOfMemoryStillRunsAfterThoseAhead() throws Exception {
        Key k = new Key();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(3);
        completer.hand(List.of(new Delivery(k, () -> {
            await(release);  // still running when the barrier's thread looks at what is ahead of it
            ran.add("a");
            done.countDown();
        })));
        open.iterators.set(0, 1);
        completer.hand(List.of(barrier("barrier", done)));
        completer.hand(List.of(barrier("barrier2", done)));
        // the watchdog adds a thread for the barrier while "a" blocks; its wait fails once
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> open.iterators.failures.get() == 0);
        release.countDown();
        assertThat(done.await(30, TimeUnit.SECONDS)).as("ran: %s", ran).isTrue();
        assertThat(ran).containsExactly("a", "barrier", "barrier2");
    }

    @Test
    void aBatchHandedAsTheCompleterStopsRunsOnceWhetherOrNotItCouldBeQueued() throws Exception {
        Key k = new Key();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(4);
        completer.hand(List.of(new Delivery(k, () -> {
            await(release);
            ran.add("first");
            done.countDown();
        })));
        queue.adds.set(0, 1);  // stop's own barrier cannot be queued: it runs on the stopping thread, after "first"
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> completer.stop(barrier("last", done)));
        release.countDown();
        stopping.get(30, TimeUnit.SECONDS);
        queue.adds.set(0, 1);  // after stop, a batch runs on the caller: it needs no node
        completer.hand(List.of(step(k, "late1", done), step(k, "late2", done)));
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("first", "last", "late1", "late2");
    }

    @Test
    void theLastThreadOutOfMemoryForItsStopStillRunsWhatWasHandedAfterTheStop() throws Exception {
        Key k = new Key();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(3);
        completer.hand(List.of(new Delivery(k, () -> {
            started.countDown();
            await(release);
            ran.add("first");
            done.countDown();
        })));
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        completer.stop(barrier("last", done));  // queued: the barrier, then the stop
        completer.hand(List.of(step(new Key(), "after", done)));  // queued behind the stop: the stopping thread runs it
        queue.adds.set(0, 1);  // the stopping thread's stop for the other threads fails
        release.countDown();
        assertThat(done.await(30, TimeUnit.SECONDS)).as("ran: %s", ran).isTrue();
        assertThat(ran).containsExactlyInAnyOrder("first", "last", "after").containsSubsequence("first", "last");
    }

    @Test
    void theWatchdogOutOfMemoryForARequeueTriesAgainAtItsNextLook() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        queue.addFirsts.set(0, 1);  // the watchdog's first requeue of the blocked batch's rest fails
        completer.hand(List.of(new Delivery(new Key(), () -> {
            started.countDown();
            await(release);  // blocked (user code) until the step behind it has run on another thread
        }), step(new Key(), "behind", done)));
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        try {
            assertThat(done.await(30, TimeUnit.SECONDS)).as("the step behind a blocked one ran").isTrue();
        } finally {
            release.countDown();
        }
        assertThat(queue.addFirsts.failures.get()).isZero();
        assertThat(ran).containsExactly("behind");
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(60, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aHandThatCannotOpenItsBatchTakesNothingAndHandingItAgainRunsEachStepOnce() throws Exception {
        Key key = new Key();
        CountDownLatch done = new CountDownLatch(2);
        List<Runnable> batch = List.of(step(key, "a1", done), step(key, "a2", done));
        open.adds.set(0, 1);
        assertThatThrownBy(() -> completer.hand(batch)).isInstanceOf(OutOfMemoryError.class);
        assertThat(key.first).as("nothing registered with its key").isNull();
        assertThat(open).isEmpty();
        completer.hand(batch);
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("a1", "a2");
    }

    @Test
    void aBarrierBatchWhosePartsCannotAllOpenTakesNoneOfThem() throws Exception {
        Key key = new Key();
        CountDownLatch done = new CountDownLatch(3);
        List<Runnable> batch = List.of(step(key, "b1", done), () -> {
            ran.add("barrier");
            done.countDown();
        }, step(key, "b2", done));
        open.adds.set(0, 1);
        assertThatThrownBy(() -> completer.hand(batch)).isInstanceOf(OutOfMemoryError.class);
        open.adds.set(0, 0);
        completer.hand(batch);
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        // each once; the barrier after what was handed before it (b2, of b1's key, may run with b1: its key's chain)
        assertThat(ran).containsExactlyInAnyOrder("b1", "barrier", "b2").containsSubsequence("b1", "barrier");
    }

    @Test
    void aBatchTakenButNotQueuedRunsOnTheHandingThreadInOrder() throws Exception {
        Key key = new Key();
        CountDownLatch done = new CountDownLatch(3);
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        Delivery first = new Delivery(key, () -> {
            threads.add(Thread.currentThread());
            ran.add("c1");
            done.countDown();
        });
        queue.adds.set(0, 1);
        completer.hand(List.of(first, step(key, "c2", done)));
        assertThat(threads).containsExactly(Thread.currentThread());
        completer.hand(List.of(step(key, "c3", done)));  // the queue works again
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("c1", "c2", "c3");
    }

    @Test
    void theIoThreadsHandOffIsTriedAgainUntilItGoesThroughAndKeepsEachKeysOrder() throws Exception {
        Spawner spawner = Spawner.create("coom-io" + TESTS.incrementAndGet());
        try {
            Completions completions = new Completions(spawner, completer);
            Key key = new Key();
            CountDownLatch done = new CountDownLatch(4);
            open.adds.set(0, 5);  // adopt and hand fail, again and again: ~10 ms apart
            spawner.execute(() -> completions.add(step(key, "d1", done)));
            spawner.execute(() -> completions.add(step(key, "d2", done)));
            spawner.execute(() -> {
                completions.add(step(key, "d3", done));
                completions.add(step(new Key(), "other", done));
            });
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(open.adds.failures.get()).isZero();
            assertThat(ran).containsSubsequence("d1", "d2", "d3").contains("other").hasSize(4);
        } finally {
            spawner.close();
        }
    }
}
