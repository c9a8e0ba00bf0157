package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.procpool.QueueFullPolicy;
import org.junit.jupiter.api.Test;

/** The in-memory job source alone: no process. */
class MemoryQueueTest {

    @Test
    void givenBackJobsComeFirstInTheirOrderAndDoNotCountAgainstCapacity() throws InterruptedException {
        MemoryQueue q = new MemoryQueue(2, 1 << 20, QueueFullPolicy.REJECT);
        assertThat(q.add(TestJobs.job(1))).isTrue();
        assertThat(q.add(TestJobs.job(2))).isTrue();
        assertThat(q.add(TestJobs.job(3))).isFalse();  // REJECT: full
        q.giveBack(List.of(TestJobs.job(10), TestJobs.job(11)));
        assertThat(q.queued()).isEqualTo(2);
        assertThat(q.backlog()).isEqualTo(4);
        assertThat(q.poll(1).id()).isEqualTo(10);
        assertThat(q.poll(1).id()).isEqualTo(11);
        assertThat(q.poll(1).id()).isEqualTo(1);
        assertThat(q.poll(1).id()).isEqualTo(2);
        assertThat(q.poll(1)).isNull();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void removeAndDrainTakeFromBothEnds() throws InterruptedException {
        MemoryQueue q = new MemoryQueue(4, 1 << 20, QueueFullPolicy.WAIT);
        Job fresh = TestJobs.job(1);
        Job back = TestJobs.job(2);
        q.add(fresh);
        q.add(TestJobs.job(3));
        q.giveBack(List.of(back, TestJobs.job(4)));
        assertThat(q.remove(back)).isTrue();
        assertThat(q.remove(fresh)).isTrue();
        assertThat(q.remove(fresh)).isFalse();
        assertThat(q.drain()).extracting(Job::id).containsExactly(4L, 3L);
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.withdraw(fresh)).isFalse();
    }

    @Test
    void aWaitingSubmitterIsWokenOnceAnEighthOfTheQueueIsFreeNotAtEveryJobTaken() throws Exception {
        MemoryQueue q = full(TestJobs.job(1));  // 16 places: wakes at 2 free
        CompletableFuture<Boolean> added = waitingAdd(q);
        assertThat(q.poll(1).id()).isEqualTo(1);
        assertThat(q.wakeups()).isZero();  // one free place: the submitter sleeps on
        assertThat(q.poll(1).id()).isEqualTo(2);
        assertThat(q.wakeups()).isEqualTo(1);
        assertThat(added.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(q.queued()).isEqualTo(15);
    }

    @Test
    void aWaitingSubmitterIsWokenByAnyRoomThatDoesNotComeFromDispatch() throws Exception {
        Job first = TestJobs.job(1);
        MemoryQueue q = full(first);
        CompletableFuture<Boolean> added = waitingAdd(q);
        assertThat(q.remove(first)).isTrue();  // a cancelled job: one place, and nothing else may come
        assertThat(added.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(q.queued()).isEqualTo(16);
    }

    @Test
    void itHoldsNoMoreBytesThanItsBoundButAlwaysOneTaskHoweverLarge() throws InterruptedException {
        MemoryQueue q = new MemoryQueue(100, 1024, QueueFullPolicy.REJECT);
        Job first = TestJobs.job(1, 600);
        assertThat(q.add(first)).isTrue();
        assertThat(q.add(TestJobs.job(2, 600))).isFalse();  // 1,200 bytes: over the bound
        assertThat(q.add(TestJobs.job(3, 424))).isTrue();  // exactly 1,024
        assertThat(q.add(TestJobs.job(4, 2))).isFalse();
        assertThat(q.bytes()).isEqualTo(1024);
        assertThat(q.poll(1)).isSameAs(first);
        assertThat(q.bytes()).isEqualTo(424);
        Job withdrawn = TestJobs.job(5, 500);
        assertThat(q.add(withdrawn)).isTrue();
        assertThat(q.withdraw(withdrawn)).isTrue();
        assertThat(q.drain()).extracting(Job::id).containsExactly(3L);
        assertThat(q.bytes()).isZero();
        Job huge = TestJobs.job(6, 5000);
        assertThat(q.add(huge)).isTrue();  // nothing queued: let in, however large
        assertThat(q.add(TestJobs.job(7, 2))).isFalse();
        assertThat(q.remove(huge)).isTrue();
        assertThat(q.bytes()).isZero();
        q.giveBack(List.of(TestJobs.job(8, 5000)));  // given back: outside the bounds
        assertThat(q.add(TestJobs.job(9, 1024))).isTrue();
        assertThat(q.bytes()).isEqualTo(1024);
    }

    @Test
    void aSubmitterWaitingForBytesIsWokenOnceAnEighthOfThemIsFree() throws Exception {
        MemoryQueue q = new MemoryQueue(1000, 8 * 1024, QueueFullPolicy.WAIT);
        for (int i = 1; i <= 16; i++) {
            assertThat(q.add(TestJobs.job(i, 512))).isTrue();
        }
        CompletableFuture<Boolean> added = waitingAdd(q, TestJobs.job(17, 512));
        assertThat(q.poll(1).id()).isEqualTo(1);
        assertThat(q.wakeups()).isZero();  // 512 bytes free: a sixteenth
        assertThat(q.poll(1).id()).isEqualTo(2);
        assertThat(q.wakeups()).isEqualTo(1);
        assertThat(added.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(q.bytes()).isEqualTo(15 * 512);
    }

    @Test
    void aSubmitterOfATaskLargerThanTheBoundGetsInOnceTheQueueIsEmpty() throws Exception {
        MemoryQueue q = new MemoryQueue(1000, 1024, QueueFullPolicy.WAIT);
        assertThat(q.add(TestJobs.job(1, 100))).isTrue();
        assertThat(q.add(TestJobs.job(2, 100))).isTrue();
        CompletableFuture<Boolean> added = waitingAdd(q, TestJobs.job(3, 4096));
        assertThat(q.poll(1).id()).isEqualTo(1);
        assertThat(q.poll(1).id()).isEqualTo(2);
        assertThat(added.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(q.bytes()).isEqualTo(4096);
        assertThat(q.poll(1).id()).isEqualTo(3);
        assertThat(q.bytes()).isZero();
    }

    /** A queue of 16 places (WAIT), full: {@code first}, then jobs 2 to 16. */
    private static MemoryQueue full(Job first) throws InterruptedException {
        MemoryQueue q = new MemoryQueue(16, 1 << 20, QueueFullPolicy.WAIT);
        assertThat(q.add(first)).isTrue();
        for (int i = 2; i <= 16; i++) {
            assertThat(q.add(TestJobs.job(i))).isTrue();
        }
        return q;
    }

    /** Adds job 17 on another thread; returns once that submitter waits for room. */
    private static CompletableFuture<Boolean> waitingAdd(MemoryQueue q) {
        return waitingAdd(q, TestJobs.job(17));
    }

    /** Adds {@code job} on another thread; returns once that submitter waits for room. */
    private static CompletableFuture<Boolean> waitingAdd(MemoryQueue q, Job job) {
        CompletableFuture<Boolean> added = CompletableFuture.supplyAsync(() -> {
            try {
                return q.add(job);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> q.waiting() == 1);
        return added;
    }
}
