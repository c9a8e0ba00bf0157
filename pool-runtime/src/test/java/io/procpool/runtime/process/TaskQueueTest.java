package io.procpool.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The loop's tasks when the heap has no room for a queue node: none is lost, and their order holds. */
class TaskQueueTest {

    private static final class Named implements Runnable {
        final int n;

        Named(int n) {
            this.n = n;
        }

        @Override
        public void run() {
        }
    }

    private static List<Integer> drain(TaskQueue q) {
        List<Integer> out = new ArrayList<>();
        Runnable r;
        while ((r = q.poll()) != null) {
            out.add(((Named) r).n);
        }
        return out;
    }

    @Test
    void tasksThatFindNoRoomInTheQueueRunInTheirOrderAfterThoseBefore() {
        FullHeapQueue queue = new FullHeapQueue();
        TaskQueue q = new TaskQueue(queue);
        q.add(new Named(1));
        q.add(new Named(2));
        queue.failures.set(1);  // the third has no node: it spills, and the ones after follow it, in order
        for (int i = 3; i <= 10; i++) {
            q.add(new Named(i));
        }
        assertThat(q.isEmpty()).isFalse();
        assertThat(drain(q)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(q.isEmpty()).isTrue();
        q.add(new Named(11));  // drained: the queue again
        assertThat(queue).hasSize(1);
        assertThat(drain(q)).containsExactly(11);
    }

    @Test
    void aFullSpillFallsBackToTheQueueAndOnlyThenThrows() {
        FullHeapQueue queue = new FullHeapQueue();
        TaskQueue q = new TaskQueue(queue);
        queue.failures.set(1);
        for (int i = 0; i < TaskQueue.SPILL; i++) {
            q.add(new Named(i));
        }
        q.add(new Named(TaskQueue.SPILL));  // the array is full: the queue takes it
        assertThat(queue).hasSize(1);
        queue.failures.set(1);
        assertThatThrownBy(() -> q.add(new Named(-1))).isInstanceOf(OutOfMemoryError.class);
        List<Integer> all = drain(q);
        assertThat(all).hasSize(TaskQueue.SPILL + 1).contains(TaskQueue.SPILL).doesNotContain(-1);
        assertThat(all.subList(1, all.size())).isSorted();  // the spilled ones in order, after the queue's one
    }
}
