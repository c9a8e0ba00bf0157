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
        MemoryQueue q = new MemoryQueue(2, QueueFullPolicy.REJECT);
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
        MemoryQueue q = new MemoryQueue(4, QueueFullPolicy.WAIT);
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

    /** A queue of 16 places (WAIT), full: {@code first}, then jobs 2 to 16. */
    private static MemoryQueue full(Job first) throws InterruptedException {
        MemoryQueue q = new MemoryQueue(16, QueueFullPolicy.WAIT);
        assertThat(q.add(first)).isTrue();
        for (int i = 2; i <= 16; i++) {
            assertThat(q.add(TestJobs.job(i))).isTrue();
        }
        return q;
    }

    /** Adds job 17 on another thread; returns once that submitter waits for room. */
    private static CompletableFuture<Boolean> waitingAdd(MemoryQueue q) {
        CompletableFuture<Boolean> added = CompletableFuture.supplyAsync(() -> {
            try {
                return q.add(TestJobs.job(17));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> q.waiting() == 1);
        return added;
    }
}
