package io.procpool.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.procpool.runtime.dispatch.Job;
import io.procpool.runtime.dispatch.JobSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's job source: the pool's task stream on Redis. A fetch thread reads as many entries as the workers have
 * free credits ({@code XREADGROUP COUNT = demand}), reclaims a dead node's entries every half lease when there is
 * room, and a {@link LeaseKeeper} renews what the node holds. Each entry becomes a {@link Job} whose first attempt is
 * the entry's delivery count; its outcome goes back through the owned completion script ({@code NodeSink}). A
 * submitter's cancel (the control stream, {@link CancelReader}) or a lost lease stops the job through the engine's
 * cancel ladder ({@code Job.cancel()}); a local crash retry raises the entry's delivery count ({@link #giveBack}).
 *
 * <p>The task body travels as the submitter encoded it: the node's manager never deserializes it, only its worker
 * JVMs do (their allowlist applies).
 */
public final class RedisSource implements JobSource {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSource.class);

    private final NodeQueue queue;
    private final QueueCounters counters;
    private final LeaseKeeper keeper;
    private final NodeSink sink;
    private final ConcurrentLinkedDeque<Job> fresh = new ConcurrentLinkedDeque<>();
    private final ConcurrentLinkedDeque<Job> front = new ConcurrentLinkedDeque<>();
    /** What this node holds, by job id: removing a job's entry from here is the one right to end it in Redis. */
    private final Map<Long, TaskEntry> entries = new ConcurrentHashMap<>();
    /** The same jobs by entry id: for a cancel or a lost lease, which name the entry. */
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final io.lettuce.core.RedisClient client;
    private volatile CancelReader cancels;
    private final AtomicInteger wanted = new AtomicInteger();
    /** How many entries the node fetches beyond its workers' free credits (held, not started): the read-ahead. */
    private final int readAhead;
    private final AtomicLong ids = new AtomicLong();
    private volatile Runnable wake = () -> { };
    private volatile boolean fetching = true;
    /** The fetch thread waits for room ({@link #idle}): {@link #poll} wakes it when it leaves some. */
    private volatile boolean idle;
    private volatile boolean closed;
    private Thread fetcher;

    /**
     * A source over {@code queue}; a task larger than the pool's maxMessageSize fails (the engine refuses to send it),
     * its timeout is the one its submitter gave.
     */
    public RedisSource(NodeQueue queue, QueueCounters counters) {
        this(queue, counters, null);
    }

    /**
     * As above, and with {@code client} (not null) the node also reads the pool's control stream, so that a
     * submitter's cancel stops a task here at once (without it, at the next renewal: a third of the lease).
     */
    public RedisSource(NodeQueue queue, QueueCounters counters, io.lettuce.core.RedisClient client) {
        this(queue, counters, client, 0);
    }

    /**
     * As above, and the node keeps up to {@code readAhead} entries fetched beyond its workers' free credits, so that a
     * freed credit is filled from here at once instead of after a read's round trip. They are held like any fetched
     * entry: renewed, given back without an attempt when the node drains or stops, reclaimed by others after the lease
     * when it dies.
     *
     * @throws IllegalArgumentException for a negative {@code readAhead}
     */
    public RedisSource(NodeQueue queue, QueueCounters counters, io.lettuce.core.RedisClient client, int readAhead) {
        if (readAhead < 0) {
            throw new IllegalArgumentException("readAhead must be at least 0, was " + readAhead);
        }
        this.readAhead = readAhead;
        this.client = client;
        this.queue = queue;
        this.counters = counters;
        this.keeper = new LeaseKeeper(queue, counters, this::lost);
        this.sink = new NodeSink(queue, keeper, this::forget, j -> entries.get(j.id()), () -> closed || !fetching);
    }

    public NodeQueue queue() {
        return queue;
    }

    public QueueCounters counters() {
        return counters;
    }

    @Override
    public void open(Runnable wake) {
        this.wake = wake;
        if (client != null) {
            cancels = new CancelReader(client, queue.layout(), this::cancelled);  // before the first read: see there
        }
        fetcher = new Thread(this::fetchLoop, "procpool-redis-fetch-" + queue.layout().pool());
        fetcher.setDaemon(true);
        fetcher.start();
    }

    /**
     * Takes no more entries from Redis (a node that shuts down, or drains); what it holds still runs and completes.
     * The engine has no shutdown call for a source yet: {@link RedisNode#shutdown()} calls this first.
     */
    public void stopFetching() {
        fetching = false;
        LockSupport.unpark(fetcher);
    }

    private void fetchLoop() {
        long nextReclaim = System.nanoTime();
        long reclaimEvery = queue.lease().toNanos() / 2;
        boolean failing = false;
        while (!closed && fetching) {
            try {
                int room = room();
                if (room > 0 && System.nanoTime() - nextReclaim >= 0) {
                    nextReclaim = System.nanoTime() + reclaimEvery;
                    room -= take(queue.reclaim(room));
                }
                if (room > 0) {
                    // the blocking read ends by the next reclaim scan: a dead node's tasks wait a lease plus at most
                    // a scan interval, not a read's block on top (Redis takes BLOCK 0 as forever: at least 1 ms)
                    long untilScan = TimeUnit.NANOSECONDS.toMillis(nextReclaim - System.nanoTime());
                    take(queue.read(room, Duration.ofMillis(Math.max(1, Math.min(500, untilScan)))));
                } else {
                    idle();
                }
                if (failing) {
                    failing = false;
                    LOG.info("{} - reading the task stream again", queue.layout().pool());
                }
            } catch (RuntimeException e) {
                if (!closed && fetching) {
                    if (!failing) {
                        failing = true;  // one line per outage, not one per retry
                        LOG.warn("{} - reading the task stream failed (retrying): {}", queue.layout().pool(),
                                e.toString());
                    }
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(200));  // retry interval, Redis down
                }
            }
        }
    }

    /** How many entries to fetch now: the free credits and the read-ahead, less the fetched jobs not taken yet. */
    private int room() {
        return wanted.get() + readAhead - fresh.size();
    }

    /**
     * Waits until the engine has room (with the read-ahead) for more than the fetched jobs it has not taken yet.
     * {@link #poll} wakes this thread whenever it leaves room and the thread is idle: not only when the demand grows,
     * but also when the engine takes the jobs fetched last (the room the fetcher saw as none while they waited). The
     * flag is set before the room is looked at again and read by poll after it changed the room, so one of the two
     * always sees the other (volatile accesses); a wake-up before the park leaves a permit. The timed park is a safety
     * net only, and the reclaim scan's clock.
     */
    private void idle() {
        idle = true;
        if (room() <= 0 && fetching && !closed) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
        }
        idle = false;
    }

    private int take(List<TaskEntry> got) {
        for (TaskEntry e : got) {
            keeper.hold(e.entryId());
            long id = ids.incrementAndGet();
            Job job = new Job(id, e, e.body(), e.timeout(), e.maxAttempts(), (int) e.deliveries(), sink);
            entries.put(id, e);
            jobs.put(e.entryId(), job);
            fresh.addLast(job);
        }
        if (!got.isEmpty()) {
            wake.run();
        }
        return got.size();
    }

    /**
     * Entries the lease keeper gave up (another node may run them now, or their submitter cancelled them): each is
     * stopped here, as a cancel stops a local task (not handed out yet: dropped; running: CANCEL, then its worker is
     * killed past cancelGrace), and never completed.
     */
    private void lost(List<String> entryIds, String why) {
        for (String id : entryIds) {
            Job j = jobs.get(id);
            if (j != null && forget(j) != null) {
                fresh.remove(j);
                front.remove(j);
                j.cancel();
            }
        }
    }

    /** Takes the job's entry out of what this node holds; null when something else ended it first. */
    private TaskEntry forget(Job j) {
        TaskEntry e = entries.remove(j.id());
        if (e != null) {
            jobs.remove(e.entryId(), j);
        }
        return e;
    }

    /**
     * Control stream: a submitter cancelled an entry (and deleted it). If this node holds it and has not ended it, the
     * task is stopped (the cancel ladder) and the entry acked: once, here; its submitter's future is cancelled already.
     */
    void cancelled(String entryId) {
        Job j = jobs.get(entryId);
        if (j == null || forget(j) == null) {
            return;  // not held here, or its outcome is on its way (the completion script acks it)
        }
        keeper.release(entryId);
        fresh.remove(j);
        front.remove(j);
        j.cancel();
        counters.countCancelled();
        Sends.send(() -> queue.ackAsync(entryId), (n, x) -> {
            if (x != null) {
                LOG.warn("{} - could not ack cancelled entry {} (the next reclaim drops it): {}",
                        queue.layout().pool(), entryId, x.toString());
            }
        });
    }
    @Override
    public Job poll(int demand) {
        Job j = front.pollFirst();
        if (j == null) {
            j = fresh.pollFirst();
        }
        int want = j == null ? demand : demand - 1;
        wanted.set(want);
        if (idle && want + readAhead > fresh.size()) {
            LockSupport.unpark(fetcher);  // see idle(): the room it waits for is here
        }
        return j;
    }

    /**
     * A job comes back from a dead worker: one that was running comes with its attempt raised by the engine, and the
     * entry's delivery count is raised to match (asynchronously, before its next completion on the same connection),
     * so that the count stays the one attempt counter across nodes.
     */
    @Override
    public void giveBack(List<Job> back) {
        for (int i = back.size() - 1; i >= 0; i--) {
            Job j = back.get(i);
            TaskEntry e = entries.get(j.id());
            if (e != null && j.attempt() > e.deliveries()) {
                entries.replace(j.id(), e, e.withDeliveries(j.attempt()));
                redeliver(e, j.attempt());
            }
            front.addFirst(j);
        }
    }

    private void redeliver(TaskEntry e, int attempt) {
        Sends.send(() -> queue.redeliverAsync(e), (n, x) -> {
            if (x != null) {
                LOG.warn("{} - could not count attempt {} of task {} in Redis (entry {}): {}", queue.layout().pool(),
                        attempt, e.taskId(), e.entryId(), x.toString());
            } else if (n <= 0) {
                LOG.info("{} - task {} is not held here any more (entry {}): its retry will be refused",
                        queue.layout().pool(), e.taskId(), e.entryId());
            }
        });
    }

    @Override
    public boolean remove(Job job) {
        return front.remove(job) || fresh.remove(job);
    }

    @Override
    public boolean isEmpty() {
        return front.isEmpty() && fresh.isEmpty();
    }

    @Override
    public int backlog() {
        return front.size() + fresh.size();
    }

    @Override
    public int queued() {
        return backlog();
    }

    @Override
    public List<Job> drain() {
        stopFetching();
        List<Job> out = new ArrayList<>(front);
        front.clear();
        out.addAll(fresh);
        fresh.clear();
        return out;
    }

    /**
     * The JVM exits (SIGTERM, Ctrl-C, end of main): as {@link RedisNode#shutdown()}, stop fetching and give back what
     * no worker holds yet, then let the pool drain what its workers hold rather than stop them mid-task (whose
     * entries would wait a whole lease, and use an attempt, before another node ran them again).
     */
    @Override
    public boolean drainOnJvmExit() {
        giveBackUnstarted();
        return true;
    }

    /**
     * Stops fetching and gives back every entry fetched but not handed to a worker yet, without using an attempt
     * (a node that drains or stops); returns how many.
     */
    public int giveBackUnstarted() {
        stopFetching();
        List<Job> jobs = new ArrayList<>(front);
        jobs.addAll(fresh);
        int n = 0;
        for (Job j : jobs) {
            if ((front.remove(j) || fresh.remove(j)) && release(forget(j))) {
                n++;
            }
        }
        return n;
    }

    /** Gives back an entry that never ran (see {@link NodeQueue#release}); false when not held any more. */
    boolean release(TaskEntry e) {
        if (e == null) {
            return false;
        }
        entries.values().remove(e);
        jobs.remove(e.entryId());
        if (!keeper.release(e.entryId())) {
            return false;
        }
        try {
            return queue.release(e);
        } catch (RuntimeException x) {
            LOG.warn("{} - could not give back entry {} (its lease will lapse): {}", queue.layout().pool(),
                    e.entryId(), x.toString());
            return false;
        }
    }

    /** How many entries this node holds (fetched, running, or waiting for their completion). */
    public int held() {
        return keeper.heldCount();
    }

    @Override
    public void close() {
        closed = true;
        stopFetching();
        if (fetcher != null) {
            try {
                fetcher.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        keeper.close();
        CancelReader c = cancels;
        if (c != null) {
            c.close();
        }
        try {
            if (keeper.heldCount() == 0) {
                queue.forget();
            }
        } catch (RuntimeException e) {
            LOG.debug("{} - could not remove consumer {}: {}", queue.layout().pool(), queue.consumer(), e.toString());
        }
        queue.close();
    }
}
