package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.QueueFullPolicy;
import org.junit.jupiter.api.Test;

/**
 * The in-memory queue's two bounds in the window that a real race opens only for nanoseconds: a submitter's bytes
 * reserved, its place refused, its bytes not yet given back. A dispatch that frees a place then judges the free bytes
 * with that reservation still counted. Here the submitter stops inside that window ({@link Pausing}) while the test
 * takes the job in the I/O thread's stead.
 */
class MemoryQueueRaceTest {

    /** A queue that stops the offer of one job, the n-th time it is refused, until the test resumes it. */
    static final class Pausing extends ArrayBlockingQueue<Job> {
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        private final AtomicInteger refusals = new AtomicInteger();
        private volatile Job target;
        private volatile int at;

        Pausing(int capacity) {
            super(capacity);
        }

        void pause(Job job, int refusal) {
            at = refusal;
            target = job;
        }

        @Override
        public boolean offer(Job job) {
            boolean in = super.offer(job);
            if (!in && job == target && refusals.incrementAndGet() == at) {
                paused.countDown();
                boolean interrupted = Thread.interrupted();  // the test may interrupt it here: kept for later
                try {
                    while (true) {
                        try {
                            resume.await();
                            break;
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                } finally {
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            return in;
        }
    }

    @Test
    void aWaiterIsNotLeftAsleepWhenThePlaceItMissedWasFreedWhileItsBytesWereCounted() throws Exception {
        Pausing places = new Pausing(16);
        MemoryQueue q = full(places);
        Job big = TestJobs.job(100, 990);  // fits the bytes, not the places
        places.pause(big, 2);  // its second refusal: the offer in the waiting loop, just before it sleeps
        CompletableFuture<Boolean> added = CompletableFuture.supplyAsync(() -> add(q, big));
        assertThat(places.paused.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(q.bytes()).isEqualTo(1022);  // its 990 bytes reserved, its place refused
        takeAll(q);  // every dispatch sees at most 34 of 1,024 bytes free: not enough to wake anyone
        places.resume.countDown();
        assertThat(added.get(30, TimeUnit.SECONDS)).isTrue();  // the queue is empty: it must not sleep
        assertThat(q.bytes()).isEqualTo(990);
        assertThat(q.poll(1)).isSameAs(big);
        assertThat(q.bytes()).isZero();
    }

    @Test
    void anInterruptedSubmitterWhoseBytesHidTheRoomDoesNotLeaveAWaiterAsleep() throws Exception {
        Pausing places = new Pausing(16);
        MemoryQueue q = full(places);
        Job waiter = TestJobs.job(100, 990);
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> add(q, waiter));
        await().atMost(Duration.ofSeconds(30)).until(() -> q.waiting() == 1);
        Job passer = TestJobs.job(101, 990);
        places.pause(passer, 1);  // its first refusal: the fast path, outside roomLock
        AtomicBoolean passerIn = new AtomicBoolean();
        Thread submitter = new Thread(() -> passerIn.set(add(q, passer)), "passer");
        submitter.start();
        assertThat(places.paused.await(30, TimeUnit.SECONDS)).isTrue();
        takeAll(q);  // every dispatch sees at most 34 of 1,024 bytes free: not enough to wake anyone
        submitter.interrupt();  // were it to wait now, it would give up and wake nobody
        places.resume.countDown();
        submitter.join(30_000);
        assertThat(submitter.isAlive()).isFalse();
        // whichever of the two got the place, the other must follow once it is dispatched
        Job first = q.poll(1);
        assertThat(first).isNotNull();
        assertThat(waited.get(30, TimeUnit.SECONDS)).isTrue();
        Job second = q.poll(1);
        assertThat(java.util.List.of(first, second)).containsExactlyInAnyOrder(waiter, passer);
        assertThat(passerIn.get()).isTrue();
        assertThat(q.bytes()).isZero();
    }

    /** Over {@code places} (16), 1,024 bytes, WAIT: full with 16 jobs of 2 bytes. */
    private static MemoryQueue full(Pausing places) throws InterruptedException {
        MemoryQueue q = new MemoryQueue(places, 1024, QueueFullPolicy.WAIT);
        for (int i = 1; i <= 16; i++) {
            assertThat(q.add(TestJobs.job(i, 2))).isTrue();
        }
        return q;
    }

    /** Dispatches the 16 jobs that filled the queue, as the I/O thread would. */
    private static void takeAll(MemoryQueue q) {
        for (int i = 1; i <= 16; i++) {
            assertThat(q.poll(1).id()).isEqualTo(i);
        }
        assertThat(q.queued()).isZero();
    }

    private static boolean add(MemoryQueue q, Job job) {
        try {
            return q.add(job);
        } catch (InterruptedException e) {
            return false;
        }
    }
}
