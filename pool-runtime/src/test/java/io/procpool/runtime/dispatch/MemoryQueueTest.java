package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.procpool.QueueFullPolicy;
import org.junit.jupiter.api.Test;

/** The in-memory job source alone: no process. */
class MemoryQueueTest {

    private static final JobSink NONE = new JobSink() {
        @Override
        public void succeeded(Job job, byte[] result) {
        }

        @Override
        public void failed(Job job, Throwable error) {
        }
    };

    private static Job job(long id) {
        return new Job(id, "task " + id, new byte[2], (Duration) null, 3, 1, NONE);
    }

    @Test
    void givenBackJobsComeFirstInTheirOrderAndDoNotCountAgainstCapacity() throws InterruptedException {
        MemoryQueue q = new MemoryQueue(2, QueueFullPolicy.REJECT);
        assertThat(q.add(job(1))).isTrue();
        assertThat(q.add(job(2))).isTrue();
        assertThat(q.add(job(3))).isFalse();  // REJECT: full
        q.giveBack(List.of(job(10), job(11)));
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
        Job fresh = job(1);
        Job back = job(2);
        q.add(fresh);
        q.add(job(3));
        q.giveBack(List.of(back, job(4)));
        assertThat(q.remove(back)).isTrue();
        assertThat(q.remove(fresh)).isTrue();
        assertThat(q.remove(fresh)).isFalse();
        assertThat(q.drain()).extracting(Job::id).containsExactly(4L, 3L);
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.withdraw(fresh)).isFalse();
    }
}
