package io.procpool.runtime.dispatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.procpool.QueueFullPolicy;

/**
 * The in-memory job source: the bounded submission queue that submitters fill ({@link #add}, any thread), and in
 * front of it the jobs that dead workers gave back (I/O thread only). A job given back never waits behind a fresh
 * one and never counts against the queue's bounds.
 *
 * <p>Two bounds: places (jobs) and bytes (their encoded tasks). The bytes keep a queue of large tasks short: every
 * job that waits long enough for a young collection is copied by it, with its task, and on a small machine a queue of
 * 10,000 tasks of 4 KiB made the collector the pool's bottleneck (docs/benchmarks.md, session 28). One job is always
 * let in when no bytes are queued, however large, so that no task is too large to queue.
 *
 * <p>Submitters waiting for room ({@link QueueFullPolicy#WAIT}) are woken once an eighth of its places (1 to 256) and
 * an eighth of its bytes are free, not at every job taken: on a full queue each wake-up costs the I/O thread a futex
 * call (several microseconds on a virtual machine), and a submitter woken for one place goes straight back to sleep.
 */
final class MemoryQueue implements JobSource {

    private final ArrayBlockingQueue<Job> queue;
    private final long maxBytes;
    /** Bytes of the encoded tasks in {@code queue}: reserved before a job goes in, released once it is out. */
    private final AtomicLong bytes = new AtomicLong();
    private final QueueFullPolicy policy;
    private final ArrayDeque<Job> front = new ArrayDeque<>();  // I/O thread only
    /** How many free places wake the waiting submitters: an eighth of the queue, 1 to 256. */
    private final int wakeRoom;
    private final ReentrantLock roomLock = new ReentrantLock();
    private final Condition room = roomLock.newCondition();
    /** Submitters waiting for room; changed under roomLock, read without it before a wake-up. */
    private volatile int waiting;
    private long wakeups;  // under roomLock: for tests

    MemoryQueue(int capacity, long maxBytes, QueueFullPolicy policy) {
        this(new ArrayBlockingQueue<>(capacity), maxBytes, policy);
    }

    /** Over {@code queue}, empty: its capacity is the queue's (tests pass one that stops inside an offer). */
    MemoryQueue(ArrayBlockingQueue<Job> queue, long maxBytes, QueueFullPolicy policy) {
        this.queue = queue;
        this.maxBytes = maxBytes;
        this.policy = policy;
        this.wakeRoom = Math.max(1, Math.min(queue.remainingCapacity() / 8, 256));
    }

    @Override
    public void open(Runnable wake) {
        // the submitter wakes the loop (PoolEngine.submit): nothing arrives here from elsewhere
    }

    /**
     * Submitter's thread: queues {@code job}, waiting for room under {@link QueueFullPolicy#WAIT}. The submitter
     * wakes the I/O thread itself, after it told the listeners of the submission (that order is what they see).
     *
     * @return false when the queue is full under {@link QueueFullPolicy#REJECT}
     * @throws InterruptedException when the submitter is interrupted while it waits for room
     */
    boolean add(Job job) throws InterruptedException {
        if (offer(job)) {
            return true;
        }
        if (policy != QueueFullPolicy.WAIT) {
            return false;
        }
        roomLock.lockInterruptibly();
        try {
            // counted before the next offer: either that offer finds room, or whoever makes room sees a waiter
            waiting++;
            try {
                while (!offer(job)) {
                    room.await();
                }
            } finally {
                waiting--;
            }
        } finally {
            roomLock.unlock();
        }
        return true;
    }

    /**
     * Queues {@code job} if both its place and its bytes are free; the bytes are reserved first. When the place is
     * refused, a place freed before the bytes are given back was judged by a dispatch ({@link #roomMade}) with them
     * still counted, and may have woken nobody: so the offer is tried again while there is a place, else a waiter
     * could sleep on an empty queue (and a submitter interrupted on its way to wait would leave one asleep).
     */
    private boolean offer(Job job) {
        int size = job.body.length;
        do {
            long b;
            do {
                b = bytes.get();
                if (b > 0 && b + size > maxBytes) {
                    return false;
                }
            } while (!bytes.compareAndSet(b, b + size));
            if (queue.offer(job)) {
                return true;
            }
            release(job);
        } while (queue.remainingCapacity() > 0);
        return false;
    }

    private void release(Job job) {
        bytes.addAndGet(-job.body.length);
    }

    /** Submitter's thread: takes back a job it just added (the pool shut down meanwhile); false if it was taken. */
    boolean withdraw(Job job) {
        return roomMade(removeQueued(job), false);
    }

    private boolean removeQueued(Job job) {
        boolean removed = queue.remove(job);
        if (removed) {
            release(job);
        }
        return removed;
    }

    @Override
    public Job poll(int demand) {
        Job j = front.poll();
        if (j != null) {
            return j;
        }
        j = queue.poll();
        if (j != null) {
            release(j);
        }
        roomMade(j != null, true);
        return j;
    }

    /**
     * Wakes the waiting submitters when {@code made}: after a dispatch once an eighth of the places (1 to 256) and of
     * the bytes are free, after any other room (a cancel, a withdrawal, a drain: nothing else may follow) at once.
     * Returns made.
     */
    private boolean roomMade(boolean made, boolean dispatch) {
        if (made && waiting > 0 && (!dispatch || queue.remainingCapacity() >= wakeRoom
                && maxBytes - bytes.get() >= maxBytes / 8)) {
            roomLock.lock();
            try {
                wakeups++;
                room.signalAll();
            } finally {
                roomLock.unlock();
            }
        }
        return made;
    }

    /** How often waiting submitters were woken (tests). */
    long wakeups() {
        roomLock.lock();
        try {
            return wakeups;
        } finally {
            roomLock.unlock();
        }
    }

    /** Bytes of the encoded tasks queued (tests). */
    long bytes() {
        return bytes.get();
    }

    /** How many submitters wait for room (tests). */
    int waiting() {
        return waiting;
    }

    @Override
    public void giveBack(List<Job> jobs) {
        for (int i = jobs.size() - 1; i >= 0; i--) {
            front.addFirst(jobs.get(i));
        }
    }

    @Override
    public boolean remove(Job job) {
        return front.remove(job) || roomMade(removeQueued(job), false);
    }

    @Override
    public boolean isEmpty() {
        return front.isEmpty() && queue.isEmpty();
    }

    @Override
    public int backlog() {
        return front.size() + queue.size();
    }

    @Override
    public int queued() {
        return queue.size();
    }

    @Override
    public List<Job> drain() {
        // made before anything is taken, with room for all: a full heap fails it with every job still here
        int room = front.size() + queue.size() + 16;
        List<Job> jobs = new ArrayList<>(room);
        jobs.addAll(front);
        front.clear();
        int given = jobs.size();
        boolean made = queue.drainTo(jobs, room - given) > 0;  // no growth: the rest, if any came, stays queued
        for (int i = given; i < jobs.size(); i++) {
            release(jobs.get(i));
        }
        roomMade(made, false);
        return jobs;
    }
}
