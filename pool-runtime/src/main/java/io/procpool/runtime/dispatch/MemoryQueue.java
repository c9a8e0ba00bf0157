package io.procpool.runtime.dispatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.procpool.QueueFullPolicy;

/**
 * The in-memory job source: the bounded submission queue that submitters fill ({@link #add}, any thread), and in
 * front of it the jobs that dead workers gave back (I/O thread only). A job given back never waits behind a fresh
 * one and never counts against the queue's capacity.
 *
 * <p>Submitters waiting for room ({@link QueueFullPolicy#WAIT}) are woken once an eighth of its places (1 to 256) is free, not
 * at every job taken: on a full queue each wake-up costs the I/O thread a futex call (several microseconds on a
 * virtual machine), and a submitter woken for one place goes straight back to sleep.
 */
final class MemoryQueue implements JobSource {

    private final ArrayBlockingQueue<Job> queue;
    private final QueueFullPolicy policy;
    private final ArrayDeque<Job> front = new ArrayDeque<>();  // I/O thread only
    /** How many free places wake the waiting submitters: an eighth of the queue, 1 to 256. */
    private final int wakeRoom;
    private final ReentrantLock roomLock = new ReentrantLock();
    private final Condition room = roomLock.newCondition();
    /** Submitters waiting for room; changed under roomLock, read without it before a wake-up. */
    private volatile int waiting;
    private long wakeups;  // under roomLock: for tests

    MemoryQueue(int capacity, QueueFullPolicy policy) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.policy = policy;
        this.wakeRoom = Math.max(1, Math.min(capacity / 8, 256));
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
        if (queue.offer(job)) {
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
                while (!queue.offer(job)) {
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

    /** Submitter's thread: takes back a job it just added (the pool shut down meanwhile); false if it was taken. */
    boolean withdraw(Job job) {
        return roomMade(queue.remove(job), 1);
    }

    @Override
    public Job poll(int demand) {
        Job j = front.poll();
        if (j != null) {
            return j;
        }
        j = queue.poll();
        roomMade(j != null, wakeRoom);
        return j;
    }

    /** Wakes the waiting submitters when {@code made} and at least {@code enough} places are free; returns made. */
    private boolean roomMade(boolean made, int enough) {
        if (made && waiting > 0 && queue.remainingCapacity() >= enough) {
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
        return front.remove(job) || roomMade(queue.remove(job), 1);
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
        List<Job> jobs = new ArrayList<>(front);
        front.clear();
        roomMade(queue.drainTo(jobs) > 0, 1);
        return jobs;
    }
}
