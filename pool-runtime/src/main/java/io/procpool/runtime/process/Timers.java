package io.procpool.runtime.process;

import java.util.Arrays;

import org.slf4j.Logger;

/**
 * The I/O thread's timers: a binary heap of deadlines (earliest first, first scheduled first among equal ones).
 * The loop waits in {@code epoll_wait} for at most {@link #waitMillis} and then runs what is due; a cancelled timer
 * leaves the heap at once, so that a pool with a timeout on each of millions of tasks keeps only the live ones.
 * Loop thread only, except {@link Entry#cancel()}.
 */
final class Timers {

    private static final Logger LOG = Logs.logger(Timers.class);
    /** The longest delay or period a timer keeps; longer ones (a "never") are cut to it. */
    static final long MAX_DELAY_NANOS = Long.MAX_VALUE >> 1;

    /** One scheduled task; a period above 0 makes it run again that long after each run ends (fixed delay). */
    static final class Entry implements Timeout {
        private final EventLoop loop;
        private final Runnable task;
        private final long periodNanos;
        private long deadline;
        private long sequence;
        private int index = -1;
        private volatile boolean cancelled;

        Entry(EventLoop loop, Runnable task, long deadline, long periodNanos) {
            this.loop = loop;
            this.task = task;
            this.deadline = deadline;
            this.periodNanos = periodNanos;
        }

        @Override
        public void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            if (loop.inLoop()) {
                loop.timers().remove(this);
            } else {
                loop.execute(() -> loop.timers().remove(this));
            }
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
    }

    private Entry[] heap = new Entry[16];
    private int size;
    private long sequence;

    int size() {
        return size;
    }

    void add(Entry e) {
        if (e.cancelled || e.index >= 0) {
            return;
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        e.sequence = sequence++;
        e.index = size;
        heap[size++] = e;
        up(e.index);
    }

    void remove(Entry e) {
        int i = e.index;
        if (i < 0) {
            return;
        }
        e.index = -1;
        Entry last = heap[--size];
        heap[size] = null;
        if (i < size) {
            heap[i] = last;
            last.index = i;
            down(i);
            up(last.index);
        }
    }

    /** How long the loop may wait for events: -1 with no timer, 0 when one is due. */
    int waitMillis(long now) {
        if (size == 0) {
            return -1;
        }
        long delta = heap[0].deadline - now;
        if (delta <= 0) {
            return 0;
        }
        long millis = (delta + 999_999) / 1_000_000;  // never early: a timer runs at or after its deadline
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    /** Runs every timer due by {@code now}, earliest first; a periodic one goes back into the heap. */
    void runDue(long now) {
        while (size > 0 && heap[0].deadline - now <= 0) {
            Entry e = heap[0];
            remove(e);
            if (e.cancelled) {
                continue;
            }
            try {
                e.task.run();
            } catch (RuntimeException | Error t) {
                Logs.error(LOG, "process I/O timer failed; the loop goes on", t);
            }
            if (e.periodNanos > 0 && !e.cancelled) {
                e.deadline = System.nanoTime() + e.periodNanos;
                add(e);
            }
        }
    }

    private boolean less(Entry a, Entry b) {
        long d = a.deadline - b.deadline;
        return d < 0 || d == 0 && a.sequence < b.sequence;
    }

    private void up(int i) {
        Entry e = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Entry p = heap[parent];
            if (!less(e, p)) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = e;
        e.index = i;
    }

    private void down(int i) {
        Entry e = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && less(heap[right], heap[child])) {
                child = right;
            }
            if (!less(heap[child], e)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].index = i;
            i = child;
        }
        heap[i] = e;
        e.index = i;
    }
}
