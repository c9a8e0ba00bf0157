package io.procpool.runtime.worker;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.locks.LockSupport;

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
 * A look reads the state without the lock and takes it only to act (the reading, a queued task, the end): the runner's
 * short sections under the lock never meet a standby waking up, which would cost them a wake-up call each time.
 *
 * <p>Kept from the pool's two-thread worker: STARTED is on the wire before a task runs, and a task's answer before
 * the next task's STARTED (exact blame); one task at a time; {@link WorkerMain#cancel} finds a task running or
 * queued under the same lock; SHUTDOWN finishes the queue, end of stream drops it.
 */
final class SoloLoop {

    static final long LOOK_MILLIS = 1;
    private static final long LOOK_NANOS = LOOK_MILLIS * 1_000_000;
    static final int IDLE_LOOKS = 200;
    private static final WorkerMain.Held READ = new WorkerMain.Held(-1, 0, null, 0);

    private final WorkerMain worker;
    private final FrameReader in;
    private final FrameWriter out;
    /**
     * {@code WorkerMain.running}: the lock {@code cancel} takes; guards the fields below (written under it, volatile
     * for the standby's looks) and the queue's order.
     */
    private final Object lock;
    private final LinkedBlockingDeque<WorkerMain.Held> queue;
    /** A thread holds the reading (the first thread from the start). */
    private volatile boolean reading = true;
    /** A thread holds a task: from taking it until its answer is written. */
    private volatile boolean busy;
    /** Tasks taken so far: the standby's clock. */
    private volatile long started;
    /** SHUTDOWN or end of stream was read: nobody reads any more. */
    private volatile boolean ended;
    /** The threads that park without a timeout (the worker is idle), by index: whoever starts a task unparks them. */
    private final Thread[] asleep = new Thread[2];

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
        Bodies bodies = new Bodies();
        while (true) {
            WorkerMain.Held h;
            if (reads) {
                h = READ;
                reads = false;
            } else {
                h = await(first ? 0 : 1);
            }
            if (h == null) {
                return;
            }
            if (h == READ) {
                h = read(bodies);
            }
            if (h != null) {
                run(h, bodies);
            }
        }
    }

    /**
     * A task to run, {@link #READ}, or null (the worker ends). Looks as the standby, every {@value #LOOK_MILLIS} ms,
     * without the lock until there is something to do.
     */
    private WorkerMain.Held await(int index) {
        long watched = -1;  // the clock when a task was seen running with nobody reading
        long last = started;
        int idle = 0;
        while (true) {
            long now = started;
            boolean running = busy;
            boolean read = reading;
            if (ended || !running && !queue.isEmpty() || !read && (!running || watched == now)) {
                synchronized (lock) {
                    WorkerMain.Held h = act(watched);
                    if (h != null || ended) {
                        return h;
                    }
                }
            }
            watched = !read ? now : -1;
            idle = now == last && !running ? idle + 1 : 0;
            last = now;
            if (idle >= IDLE_LOOKS && sleep(index, now)) {
                LockSupport.park(this);
                synchronized (lock) {
                    asleep[index] = null;
                }
            } else {
                LockSupport.parkNanos(this, LOOK_NANOS);
            }
            Thread.interrupted();  // a CANCEL that came too late for the last task: nothing to do
        }
    }

    /** Under the lock: what a look saw, checked again; null when there is nothing to do after all (or the end). */
    private WorkerMain.Held act(long watched) {
        if (!busy && !queue.isEmpty()) {
            return take(queue.pollFirst());  // read while the last answer was being written
        }
        if (ended) {
            return null;  // the busy thread, if any, takes what is queued
        }
        if (!reading && (!busy || watched == started)) {
            reading = true;
            return READ;
        }
        return null;
    }

    /** Whether the standby may park until a task starts: none has since its last look (checked under the lock). */
    private boolean sleep(int index, long last) {
        synchronized (lock) {
            if (started != last || busy || !reading || ended || !queue.isEmpty()) {
                return false;
            }
            asleep[index] = Thread.currentThread();
            return true;
        }
    }

    private WorkerMain.Held take(WorkerMain.Held h) {
        busy = true;
        started++;
        wake();
        return h;
    }

    /** Under the lock: unparks the threads parked until a task starts or the worker ends. */
    private void wake() {
        for (int i = 0; i < asleep.length; i++) {
            if (asleep[i] != null) {
                LockSupport.unpark(asleep[i]);
                asleep[i] = null;
            }
        }
    }

    /** Holding the reading: reads until there is a task for this thread to run, or the end (null). */
    private WorkerMain.Held read(Bodies bodies) {
        try {
            while (true) {
                int type = in.next();
                switch (type) {
                    case Protocol.TASK -> {
                        long id = in.id;
                        int attempt = in.attempt();
                        synchronized (lock) {
                            // the body leaves the read buffer before anyone else may take the reading
                            if (!busy && queue.isEmpty()) {
                                reading = false;
                                return take(new WorkerMain.Held(id, attempt, bodies.of(in), in.length));
                            }
                            queue.addLast(new WorkerMain.Held(id, attempt, in.bodyCopy(), in.length));  // oldest first
                            if (!busy) {
                                reading = false;
                                return take(queue.pollFirst());
                            }
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
            wake();
        }
    }

    /** Runs {@code h} and what follows it without a pause; returns when this thread holds no task. */
    private void run(WorkerMain.Held h, Bodies bodies) {
        if (!out.started(h.id())) {
            release();  // the manager is gone; the reading will see the end
            return;
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
                next = nextBuffered(bodies);
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
    private WorkerMain.Held nextBuffered(Bodies bodies) {
        try {
            in.next();
        } catch (IOException cannot) {
            throw new IllegalStateException("a buffered frame could not be read", cannot);  // halts the worker
        }
        WorkerMain.Held next = new WorkerMain.Held(in.id, in.attempt(), bodies.of(in), in.length);
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

    /**
     * One thread's array for the bodies of the tasks it reads and runs at once: a task's body is copied out of the
     * read buffer into it rather than into a new array per task (4 KiB of garbage per 4 KiB task otherwise). Only
     * this thread's own next task overwrites it, after this one's answer. It grows to the largest body that was whole
     * in the read buffer (64 KiB at most); a larger one comes in its own array and is not kept.
     */
    private static final class Bodies {
        private byte[] bytes = new byte[256];

        byte[] of(FrameReader in) {
            byte[] b = in.bodyInto(bytes);
            if (b.length > bytes.length && b.length <= FrameReader.BUFFER) {
                bytes = b;
            }
            return b;
        }
    }
}
