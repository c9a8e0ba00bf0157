package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.runtime.process.Spawner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An OutOfMemoryError while completions are handed over (a node of the completer's deques) loses none of them and
 * runs none twice: the hand-off takes all or nothing, a batch taken but not queued runs on the handing thread, and
 * the I/O thread's hand-off is tried again until it goes through.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CompletionsOutOfMemoryTest {

    private static final class Key extends Ordered {
        @Override
        boolean settled() {
            return false;
        }
    }

    private static final AtomicInteger TESTS = new AtomicInteger();
    private final String name = "oom" + TESTS.incrementAndGet();
    private final FailingDeques.Queue queue = new FailingDeques.Queue();
    private final FailingDeques.Open open = new FailingDeques.Open();
    private final Completer completer = new Completer(name, queue, open);
    private final List<String> ran = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() throws Exception {
        queue.adds.set(0, 0);
        open.adds.set(0, 0);
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
        Spawner spawner = Spawner.create(name);
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
