package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

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
 * The I/O thread's hand-offs out of memory for a while (every one, then now and then), over many keys with events and
 * answers and barriers between them; and while a taken-over call-out is stranded: every step runs exactly once, each
 * key in its order, each barrier after everything queued before it.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CompletionsOutOfMemoryStormTest {

    private static final class Key extends Ordered {
        final List<Integer> steps = Collections.synchronizedList(new ArrayList<>());

        @Override
        boolean settled() {
            return false;
        }
    }

    private static final AtomicInteger TESTS = new AtomicInteger();
    private final String name = "storm" + TESTS.incrementAndGet();
    private final FailingDeques.Queue queue = new FailingDeques.Queue();
    private final FailingDeques.Open open = new FailingDeques.Open();
    private final Completer completer = new Completer(name, queue, open);
    private final Spawner spawner = Spawner.create(name);
    private final Completions completions = new Completions(spawner, completer);
    private final AtomicInteger stepsRun = new AtomicInteger();

    @AfterEach
    void stop() throws Exception {
        try {
            queue.adds.set(0, 0);
            open.adds.set(0, 0);
            CountDownLatch stopped = new CountDownLatch(1);
            completer.stop(stopped::countDown);
            assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            spawner.close();
        }
    }

    @Test
    void everyStepRunsOnceInItsKeysOrderThroughAStormOfFailedHandOffs() throws Exception {
        int keys = 40;
        int stepsPerKey = 12;
        List<Key> all = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            all.add(new Key());
        }
        List<String> barrierFaults = Collections.synchronizedList(new ArrayList<>());
        int barriers = stepsPerKey / 2;
        CountDownLatch done = new CountDownLatch(keys * stepsPerKey + barriers);
        open.adds.set(0, 12);  // every hand-off fails for a while (adopt and hand): ~10 ms apart
        for (int s = 0; s < stepsPerKey; s++) {
            int step = s;
            spawner.execute(() -> {  // one turn of the loop: a step of every key (an event, the last an answer)
                for (Key k : all) {
                    completions.add(new Delivery(k, () -> {
                        k.steps.add(step);
                        stepsRun.incrementAndGet();
                        done.countDown();
                    }));
                }
                if (step % 2 == 1) {
                    int before = (step + 1) * keys;
                    completions.add(() -> {  // a barrier: everything queued before it has run
                        if (stepsRun.get() < before) {
                            barrierFaults.add("barrier after " + before + " steps saw " + stepsRun.get());
                        }
                        done.countDown();
                    });
                }
            });
            if (s == stepsPerKey / 2) {  // mid-way, some parts cannot be queued: they run on the I/O thread
                spawner.execute(() -> queue.adds.set(0, 3));
            } else if (s == stepsPerKey * 3 / 4) {
                spawner.execute(() -> open.adds.set(1, 4));  // and another short storm
            }
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).as("steps run: %s", stepsRun.get()).isTrue();
        assertThat(barrierFaults).isEmpty();
        List<Integer> inOrder = new ArrayList<>();
        for (int s = 0; s < stepsPerKey; s++) {
            inOrder.add(s);
        }
        for (Key k : all) {
            assertThat(k.steps).containsExactlyElementsOf(inOrder);
        }
        assertThat(stepsRun.get()).isEqualTo(keys * stepsPerKey);
        assertThat(open.adds.failures.get()).isZero();
        assertThat(queue.adds.failures.get()).as("parts run on the I/O thread").isLessThan(3);
    }

    @Test
    void handOffsThatFailWhileACallOutIsStrandedReachTheFuturesAndKeepTheBlockedKeysOrder() throws Exception {
        Key blocked = new Key();
        Key other = new Key();
        CountDownLatch handedOver = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch otherDone = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(5);
        spawner.execute(() -> completions.add(new Delivery(blocked, () -> {  // adopted: runs on the I/O thread
            spawner.handOver();  // it waits for the pool: another thread takes the loop over now
            handedOver.countDown();
            try {
                assertThat(release.await(60, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ran.add("blocked1");
            done.countDown();
        })));
        assertThat(handedOver.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(spawner.strandedCallOuts()).isEqualTo(1);
        open.adds.set(0, 3);  // the new loop thread's hand-offs fail, then go through
        spawner.execute(() -> {
            completions.add(new Delivery(blocked, () -> {
                ran.add("blocked2");
                done.countDown();
            }));
            completions.add(new Delivery(other, () -> {
                ran.add("other");
                otherDone.countDown();
                done.countDown();
            }));
        });
        assertThat(otherDone.await(30, TimeUnit.SECONDS)).as("another key's step, while one blocks").isTrue();
        release.countDown();
        open.adds.set(0, 1);  // the loop is off inline completions for a while (taken over): a hand fails once
        spawner.execute(() -> completions.add(new Delivery(blocked, () -> {
            ran.add("blocked3");
            done.countDown();
        })));
        spawner.execute(() -> completions.add(new Delivery(other, () -> {
            ran.add("other2");
            done.countDown();
        })));
        assertThat(done.await(30, TimeUnit.SECONDS)).as("ran: %s", ran).isTrue();
        assertThat(ran).containsExactlyInAnyOrder("blocked1", "blocked2", "other", "blocked3", "other2")
                .containsSubsequence("other", "blocked1", "blocked2", "blocked3")
                .containsSubsequence("other", "other2");
        assertThat(open.adds.failures.get()).isZero();
    }

    @Test
    void aPartTheIoThreadCannotQueueRunsInACallOutAndDoesNotHoldTheLoop() throws Exception {
        Key waits = new Key();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch loopRanOn = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(4);
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        spawner.execute(() -> {  // with a barrier: on the completer's threads
            completions.add(new Delivery(waits, () -> {  // an event listener that waits for the I/O thread
                started.countDown();
                try {
                    assertThat(loopRanOn.await(60, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ran.add("waits");
                done.countDown();
            }));
            completions.add(() -> {
                ran.add("barrier1");
                done.countDown();
            });
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        spawner.execute(() -> {
            queue.adds.set(0, 1);  // the next part cannot be queued: it must not run where it holds the loop
            completions.add(new Delivery(new Key(), () -> {
                ran.add("other");
                done.countDown();
            }));
            completions.add(() -> {  // waits for the listener, which waits for the loop
                ran.add("barrier2");
                done.countDown();
            });
            spawner.execute(loopRanOn::countDown);  // the loop goes on, after this turn's hand-off
        });
        assertThat(done.await(30, TimeUnit.SECONDS)).as("ran: %s", ran).isTrue();
        assertThat(ran).containsSubsequence("waits", "barrier1", "barrier2").contains("other").hasSize(4);
        assertThat(queue.adds.failures.get()).isZero();
    }
}
