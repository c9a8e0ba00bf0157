package io.procpool.runtime.dispatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

import io.procpool.QueueFullPolicy;

/**
 * The in-memory job source: the bounded submission queue that submitters fill ({@link #add}, any thread), and in
 * front of it the jobs that dead workers gave back (I/O thread only). A job given back never waits behind a fresh
 * one and never counts against the queue's capacity.
 */
final class MemoryQueue implements JobSource {

    private final ArrayBlockingQueue<Job> queue;
    private final QueueFullPolicy policy;
    private final ArrayDeque<Job> front = new ArrayDeque<>();  // I/O thread only
    MemoryQueue(int capacity, QueueFullPolicy policy) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.policy = policy;
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
        if (policy == QueueFullPolicy.WAIT) {
            queue.put(job);
        } else if (!queue.offer(job)) {
            return false;
        }
        return true;
    }

    /** Submitter's thread: takes back a job it just added (the pool shut down meanwhile); false if it was taken. */
    boolean withdraw(Job job) {
        return queue.remove(job);
    }

    @Override
    public Job poll(int demand) {
        Job j = front.poll();
        return j != null ? j : queue.poll();
    }

    @Override
    public void giveBack(List<Job> jobs) {
        for (int i = jobs.size() - 1; i >= 0; i--) {
            front.addFirst(jobs.get(i));
        }
    }

    @Override
    public boolean remove(Job job) {
        return front.remove(job) || queue.remove(job);
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
        queue.drainTo(jobs);
        return jobs;
    }
}
