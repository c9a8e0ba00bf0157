package io.procpool.runtime.process;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The I/O loop's tasks: a lock-free queue, and beside it a fixed array for the tasks the queue has no memory for (an
 * {@code OutOfMemoryError} making its node). A task lost there is a dispatch pass, a completion hand-off or a spawn's
 * outcome lost for good, and a pool that waits for it wedges: idle workers, tasks queued, futures pending. Once a task
 * went to the array, the next ones follow it there (while it has room) until the loop has run them, so their order
 * holds.
 */
final class TaskQueue {

    static final int SPILL = 64;

    private final ConcurrentLinkedQueue<Runnable> queue;
    private final Runnable[] spilled = new Runnable[SPILL];  // a ring; guarded by itself
    private int head;
    private int count;
    private volatile boolean spilling;

    TaskQueue() {
        this(new ConcurrentLinkedQueue<>());
    }

    /** Tests: a queue whose adds fail as a full heap fails them. */
    TaskQueue(ConcurrentLinkedQueue<Runnable> queue) {
        this.queue = queue;
    }

    /** Any thread: queues {@code task}; throws the queue's {@code OutOfMemoryError} only when the array is full too. */
    void add(Runnable task) {
        if (!spilling) {
            try {
                queue.add(task);
                return;
            } catch (OutOfMemoryError full) {
                if (spill(task)) {
                    return;
                }
                throw full;
            }
        }
        if (!spill(task)) {
            queue.add(task);  // the array is full: the queue, or its error
        }
    }

    private boolean spill(Runnable task) {
        synchronized (spilled) {
            if (count == SPILL) {
                return false;
            }
            spilled[(head + count) % SPILL] = task;
            count++;
            spilling = true;
            return true;
        }
    }

    /** Loop thread: the next task (the queue's first: those came before any that spilled), or null. */
    Runnable poll() {
        Runnable r = queue.poll();
        if (r != null || !spilling) {
            return r;
        }
        synchronized (spilled) {
            if (count == 0) {
                return null;
            }
            r = spilled[head];
            spilled[head] = null;
            head = (head + 1) % SPILL;
            count--;
            spilling = count > 0;
            return r;
        }
    }

    boolean isEmpty() {
        return queue.isEmpty() && !spilling;
    }
}
