package io.procpool.redis;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.procpool.PoolFailedException;
import io.procpool.TaskFailedException;
import io.procpool.TaskTimeoutException;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.dispatch.Job;
import io.procpool.runtime.dispatch.JobSink;
import io.procpool.runtime.dispatch.JobSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's job source: the pool's task stream on Redis. A fetch thread reads as many entries as the workers have
 * free credits ({@code XREADGROUP COUNT = demand}), reclaims a dead node's entries every half lease when there is
 * room, and a {@link LeaseKeeper} renews what the node holds. Each entry becomes a {@link Job} whose first attempt is
 * the entry's delivery count; its outcome goes back through the owned completion script (this is the job's sink).
 *
 * <p>The task body travels as the submitter encoded it: the node's manager never deserializes it, only its worker
 * JVMs do (their allowlist applies).
 */
public final class RedisSource implements JobSource, JobSink {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSource.class);

    private final NodeQueue queue;
    private final QueueCounters counters;
    private final LeaseKeeper keeper;
    private final ConcurrentLinkedDeque<Job> fresh = new ConcurrentLinkedDeque<>();
    private final ConcurrentLinkedDeque<Job> front = new ConcurrentLinkedDeque<>();
    private final Map<Long, TaskEntry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger wanted = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private volatile Runnable wake = () -> { };
    private volatile boolean fetching = true;
    private volatile boolean closed;
    private Thread fetcher;

    /**
     * A source over {@code queue}; a task larger than the pool's maxMessageSize fails (the engine refuses to send it),
     * its timeout is the one its submitter gave.
     */
    public RedisSource(NodeQueue queue, QueueCounters counters) {
        this.queue = queue;
        this.counters = counters;
        this.keeper = new LeaseKeeper(queue, counters, this::lost);
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
                int room = wanted.get() - fresh.size();
                if (room > 0 && System.nanoTime() - nextReclaim >= 0) {
                    nextReclaim = System.nanoTime() + reclaimEvery;
                    room -= take(queue.reclaim(room));
                }
                if (room > 0) {
                    take(queue.read(room, Duration.ofMillis(500)));
                } else {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
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

    private int take(List<TaskEntry> got) {
        for (TaskEntry e : got) {
            keeper.hold(e.entryId());
            long id = ids.incrementAndGet();
            Job job = new Job(id, e, e.body(), e.timeout(), e.maxAttempts(), (int) e.deliveries(), this);
            entries.put(id, e);
            fresh.addLast(job);
        }
        if (!got.isEmpty()) {
            wake.run();
        }
        return got.size();
    }

    /** Entries the lease keeper gave up: those not handed out yet are dropped here; a running one's result is refused. */
    private void lost(List<String> entryIds, String why) {
        for (String id : entryIds) {
            fresh.removeIf(j -> dropIfEntry(j, id));
            front.removeIf(j -> dropIfEntry(j, id));
        }
    }

    private boolean dropIfEntry(Job j, String entryId) {
        TaskEntry e = entries.get(j.id());
        if (e != null && e.entryId().equals(entryId)) {
            entries.remove(j.id());
            return true;
        }
        return false;
    }

    @Override
    public Job poll(int demand) {
        Job j = front.pollFirst();
        if (j == null) {
            j = fresh.pollFirst();
        }
        int want = j == null ? demand : demand - 1;
        if (wanted.getAndSet(want) < want) {
            LockSupport.unpark(fetcher);
        }
        return j;
    }

    @Override
    public void giveBack(List<Job> jobs) {
        for (int i = jobs.size() - 1; i >= 0; i--) {
            front.addFirst(jobs.get(i));
        }
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

    // ======================================================================= the sink: completer thread

    @Override
    public void succeeded(Job job, byte[] result) {
        TaskEntry e = entries.remove(job.id());
        if (e == null) {
            return;
        }
        keeper.release(e.entryId());
        complete(e, () -> queue.completeAsync(e, Reply.ok(e.taskId(), job.attempt(), result)));
    }

    @Override
    public void failed(Job job, Throwable t) {
        if (t instanceof CancellationException) {
            // this node stops (shutdownNow): no reply. RedisNode.shutdownNow gives back the tasks that never started;
            // the others stay held until the source closes, then their lease lapses and another node reclaims them
            return;
        }
        TaskEntry e = entries.remove(job.id());
        if (e == null) {
            return;
        }
        keeper.release(e.entryId());
        if (t instanceof PoolFailedException) {
            // this node cannot run tasks any more: no reply; the lease lapses and another node runs it
            return;
        }
        if (t instanceof WorkerCrashedException) {
            complete(e, () -> queue.deadLetterAsync(e.withDeliveries(job.attempt()), t.getMessage()));
            return;
        }
        Reply r;
        if (t instanceof TaskFailedException f) {
            r = Reply.failed(e.taskId(), Reply.Outcome.FAILED, job.attempt(), f.remoteClass(), f.remoteMessage(),
                    f.remoteStackTrace());
        } else if (t instanceof TaskTimeoutException) {
            r = Reply.failed(e.taskId(), Reply.Outcome.TIMEOUT, job.attempt(), t.getClass().getName(),
                    t.getMessage(), "");
        } else {
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            r = Reply.failed(e.taskId(), Reply.Outcome.FAILED, job.attempt(), t.getClass().getName(),
                    t.getMessage(), w.toString());
        }
        complete(e, () -> queue.completeAsync(e, r));
    }

    /** Sends the completion without waiting: many are in flight at once; the outcome is logged off this thread. */
    private void complete(TaskEntry e,
                          java.util.function.Supplier<java.util.concurrent.CompletableFuture<NodeQueue.Completion>> call) {
        java.util.concurrent.CompletableFuture<NodeQueue.Completion> f;
        try {
            f = call.get();
        } catch (RuntimeException x) {
            f = java.util.concurrent.CompletableFuture.failedFuture(x);
        }
        f.whenComplete((c, x) -> {
            if (x != null) {
                // Redis unreachable: the entry stays pending, its lease lapses, another node runs it again
                LOG.warn("{} - could not complete task {} (entry {}): {}", queue.layout().pool(), e.taskId(),
                        e.entryId(), x.toString());
            } else if (c != NodeQueue.Completion.ACCEPTED) {
                LOG.info("{} - result of task {} refused ({}): another node holds entry {} now",
                        queue.layout().pool(), e.taskId(), c, e.entryId());
            }
        });
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
            if ((front.remove(j) || fresh.remove(j)) && release(entries.remove(j.id()))) {
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
