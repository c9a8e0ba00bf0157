package io.procpool.redis;

import java.util.concurrent.atomic.AtomicLong;

/** What a node or submitter counts, for its metrics ({@link RedisMetrics}) and tests. Thread-safe. */
public final class QueueCounters {

    private final AtomicLong reclaimed = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong staleCompletions = new AtomicLong();
    private final AtomicLong groupsCreated = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong readded = new AtomicLong();
    private final AtomicLong leasesLost = new AtomicLong();
    private final AtomicLong strayReplies = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();

    void countReclaimed() {
        reclaimed.incrementAndGet();
    }

    void countDeadLettered() {
        deadLettered.incrementAndGet();
    }

    void countStaleCompletion() {
        staleCompletions.incrementAndGet();
    }

    void countGroupCreated() {
        groupsCreated.incrementAndGet();
    }

    void countReconnect() {
        reconnects.incrementAndGet();
    }

    void countReadded(int n) {
        readded.addAndGet(n);
    }

    void countLeasesLost(int n) {
        leasesLost.addAndGet(n);
    }

    void countCancelled() {
        cancelled.incrementAndGet();
    }

    /** Node: held tasks stopped because their submitter cancelled them. Submitter: cancels sent. */
    public long cancelled() {
        return cancelled.get();
    }

    void countStrayReply() {
        strayReplies.incrementAndGet();
    }

    /** Replies for a task that was not outstanding (answered already, or abandoned): a second answer is one. */
    public long strayReplies() {
        return strayReplies.get();
    }

    /** Entries this side took over from a node that stopped renewing them. */
    public long reclaimed() {
        return reclaimed.get();
    }

    public long deadLettered() {
        return deadLettered.get();
    }

    /** Completions refused because this node no longer held the entry (or Redis had lost it). */
    public long staleCompletions() {
        return staleCompletions.get();
    }

    /** Times the consumer group was created, the first included: more than one means Redis lost it. */
    public long groupsCreated() {
        return groupsCreated.get();
    }

    /** Times this side saw a new Redis server (its run_id changed). */
    public long reconnects() {
        return reconnects.get();
    }

    /** Tasks a submitter added again because Redis had lost them. */
    public long readded() {
        return readded.get();
    }

    /** Held entries a node gave up: reclaimed by another node, or unrenewable for a whole lease. */
    public long leasesLost() {
        return leasesLost.get();
    }

    @Override
    public String toString() {
        return "reclaimed=" + reclaimed + ", deadLettered=" + deadLettered + ", staleCompletions=" + staleCompletions
                + ", groupsCreated=" + groupsCreated + ", reconnects=" + reconnects + ", readded=" + readded
                + ", leasesLost=" + leasesLost + ", strayReplies=" + strayReplies;
    }
}
