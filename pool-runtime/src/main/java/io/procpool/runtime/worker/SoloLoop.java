package io.procpool.runtime.worker;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingDeque;

import io.procpool.runtime.wire.Protocol;

/**
 * The per-task loop of a worker of capacity 1: two threads that take turns (leader/follower), so that a task goes from
 * the read to its run without a hand-off or a wake-up. The thread that holds the reading and reads a TASK while
 * nothing runs or waits runs it itself and gives up the reading; when it is done it takes the next task that was read
 * meanwhile, or the next one already whole in the read buffer (its STARTED in the same write as the answer), or the
 * reading back. The other thread is the standby: it looks every {@value #LOOK_MILLIS} ms, and when one task has been
 * running for a whole look with nobody reading it takes over the reading, so a CANCEL (a prefetched TASK, SHUTDOWN)
 * is still read while a task runs, at most two looks late; tasks read while one runs wait in the queue, in order.
 * After {@value #IDLE_LOOKS} looks without a new task the standby waits until a task starts (the worker is idle).
 *
 * <p>Kept from the pool's two-thread worker: STARTED is on the wire (or in the shared ring) before a task runs, and a
 * task's answer before the next task's STARTED (exact blame). In a shared ring the first STARTED after a pause does
 * not wake the manager: it comes with the answer, or with the standby's next look while the task still runs. One
 * task at a time; {@link WorkerMain#cancel} finds a task running or queued under the same lock; SHUTDOWN finishes
 * the queue, end of stream drops it.
 */
final class SoloLoop {

    static final long LOOK_MILLIS = 1;
    static final int IDLE_LOOKS = 200;
    private static final WorkerMain.Held READ = new WorkerMain.Held(-1, 0, null);

    private final WorkerMain worker;
    private final FrameReader in;
    private final FrameWriter out;
    /** {@code WorkerMain.running}: the lock {@code cancel} takes; guards the fields below and the queue's order. */
    private final Object lock;
    private final LinkedBlockingDeque<WorkerMain.Held> queue;
    /** A thread holds the reading (the first thread from the start). Volatile: {@link #run} reads it unlocked. */
    private volatile boolean reading = true;
    /** A thread holds a task: from taking it until its answer is written. */
    private boolean busy;
    /** Tasks taken so far: the standby's clock. */
    private long started;
    /** SHUTDOWN or end of stream was read: nobody reads any more. */
    private boolean ended;
    /** The standby waits without a timeout: whoever starts a task wakes it. */
    private boolean asleep;

    SoloLoop(WorkerMain worker, FrameReader in, FrameWriter out, Object lock,
             LinkedBlockingDeque<WorkerMain.Held> queue) {
        this.worker = worker;
        this.in = in;
        this.out = out;
        this.lock = lock;
        this.queue = queue;
    }

    /**
     * Runs on each of the two threads until the worker ends; {@code first} on the one that holds the reading at the
     * start (the other must not take it: the first holds the warm Kryo).
     */
    void loop(boolean first) {
        boolean reads = first;
        while (true) {
            WorkerMain.Held h;
            if (reads) {
                h = READ;
                reads = false;
            } else {
                synchronized (lock) {
                    h = await();
                }
            }
            if (h == null) {
                return;
            }
            if (h == READ) {
                h = read();
            }
            if (h != null) {
                run(h);
            }
        }
    }

    /** Under the lock: a task to run, {@link #READ}, or null (the worker ends). Waits as the standby. */
    private WorkerMain.Held await() {
        long watched = -1;  // the clock when a task was seen running with nobody reading
        long last = started;
        int idle = 0;
        while (true) {
            if (!busy && !queue.isEmpty()) {
                return take(queue.pollFirst());  // read while the last answer was being written
            }
            if (ended) {
                return null;  // the busy thread, if any, takes what is queued
            }
            if (busy) {
                out.nudge();  // a task runs on: the manager learns that it started (its timeout runs from then)
            }
            if (!reading && (!busy || watched == started)) {
                reading = true;
                return READ;
            }
            watched = !reading ? started : -1;
            idle = started == last && !busy ? idle + 1 : 0;
            last = started;
            asleep = idle >= IDLE_LOOKS;
            try {
                lock.wait(asleep ? 0 : LOOK_MILLIS);
            } catch (InterruptedException e) {
                // a CANCEL that came too late for the last task: nothing to do
            }
        }
    }

    private WorkerMain.Held take(WorkerMain.Held h) {
        busy = true;
        started++;
        if (asleep) {
            asleep = false;
            lock.notifyAll();
        }
        return h;
    }

    /** Holding the reading: reads until there is a task for this thread to run, or the end (null). */
    private WorkerMain.Held read() {
        try {
            while (true) {
                int type = in.next();
                switch (type) {
                    case Protocol.TASK -> {
                        WorkerMain.Held h = new WorkerMain.Held(in.id, in.attempt(), in.body);
                        synchronized (lock) {
                            if (!busy) {
                                reading = false;
                                if (queue.isEmpty()) {
                                    return take(h);
                                }
                                queue.addLast(h);  // oldest first
                                return take(queue.pollFirst());
                            }
                            queue.addLast(h);
                        }
                    }
                    case Protocol.CANCEL -> worker.cancel(in.id);
                    case Protocol.SHUTDOWN -> {
                        end(true);
                        return null;
                    }
                    default -> in.protocolError("unexpected " + Protocol.typeName(type));
                }
            }
        } catch (IOException e) {
            end(false);
            return null;
        }
    }

    private void end(boolean graceful) {
        synchronized (lock) {
            if (!graceful) {
                queue.clear();  // the manager is gone: nobody is waiting for what did not start
            }
            ended = true;
            reading = false;
            lock.notifyAll();
        }
    }

    /** Runs {@code h} and what follows it without a pause; returns when this thread holds no task. */
    private void run(WorkerMain.Held h) {
        if (!out.startedQuietly(h.id())) {
            release();  // the manager is gone; the reading will see the end
            return;
        }
        if (reading) {
            out.nudge();  // the other thread already reads (it took the reading before this STARTED): nobody looks
        }
        while (true) {
            Answer a = worker.answer(h, 0);
            WorkerMain.Held next;
            boolean buffered = false;
            synchronized (lock) {
                next = queue.pollFirst();
                if (next != null) {
                    started++;
                } else if (!reading && !ended && in.taskBuffered()) {
                    reading = true;
                    buffered = true;
                }
            }
            if (buffered) {
                next = nextBuffered();
            }
            if (!out.sendAnswer(a.type(), h.id(), a.body(), a.length(), next == null ? -1 : next.id())
                    || next == null) {
                release();
                return;
            }
            h = next;
        }
    }

    /** Holding the reading, with a whole TASK first in the buffer: takes it (no read of the descriptor). */
    private WorkerMain.Held nextBuffered() {
        try {
            in.next();
        } catch (IOException cannot) {
            throw new IllegalStateException("a buffered frame could not be read", cannot);  // halts the worker
        }
        WorkerMain.Held next = new WorkerMain.Held(in.id, in.attempt(), in.body);
        synchronized (lock) {
            reading = false;
            started++;
        }
        return next;
    }

    private void release() {
        synchronized (lock) {
            busy = false;
        }
    }
}
