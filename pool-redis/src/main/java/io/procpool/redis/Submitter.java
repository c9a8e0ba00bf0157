package io.procpool.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.procpool.TaskRejectedException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A submitter's side of a pool's task stream, in bytes: adds tasks with its reply stream and a task id, reads its
 * reply stream on its own thread and connection, completes one future per task, once.
 *
 * <p>Redis restarts: the reader compares the server's {@code run_id} (INFO server) at every read round that follows
 * an error and at least every {@code checkEvery}. On a new run_id it reconciles: every outstanding task whose entry is
 * no longer in the stream and whose reply has not come is added again (Redis lost it: no persistence, or the AOF
 * missed the last second); on the same server too when a window of them finds one lost (the stream deleted). The
 * completion script writes the reply and deletes the entry atomically: "entry gone, no reply after draining" is lost.
 *
 * <p>Reply futures complete on the reader thread: callers that attach slow callbacks hand them to an executor of
 * their own ({@link RedisSubmitter} does).
 *
 * <p>Back-pressure is local: at most {@code maxOutstanding} tasks may be unanswered; {@link #add} waits for room
 * (or, with {@code rejectWhenFull}, throws {@link TaskRejectedException}).
 */
public final class Submitter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Submitter.class);
    /** How many outstanding tasks a check for lost entries looks up at once (one window of them a check). */
    private static final int SAMPLE = 100;
    private int probeFrom;

    private final StreamLayout layout;
    private final String id;
    private final String replies;
    private final Duration checkEvery;
    private final boolean rejectWhenFull;
    private final QueueCounters counters;
    private final StatefulRedisConnection<String, byte[]> commandConnection;
    private final StatefulRedisConnection<String, byte[]> readConnection;
    private final RedisCommands<String, byte[]> redis;
    private final Semaphore room;
    /** New tasks go to Redis in batches: one script call for those that came while the previous was in flight. */
    private final AddBatcher adds;
    private final int maxOutstanding;
    private final Map<String, Outstanding> outstanding = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final Thread readerThread;
    private volatile boolean closed;
    private volatile String runId;
    /** The replies delivered so far (reader thread): one read again after a restart is not a stray. */
    private final ReplyCursor delivered = new ReplyCursor();

    /** A task that has not been answered yet. */
    private static final class Outstanding {
        final Map<String, byte[]> fields;
        final CompletableFuture<Reply> future = new CompletableFuture<>();
        final java.util.function.Consumer<Reply> events;
        volatile String entryId;
        volatile boolean cancelled;

        Outstanding(Map<String, byte[]> fields, java.util.function.Consumer<Reply> events) {
            this.fields = fields;
            this.events = events;
        }
    }

    public Submitter(RedisClient client, StreamLayout layout, int maxOutstanding, boolean rejectWhenFull,
                     Duration checkEvery, QueueCounters counters) {
        if (maxOutstanding < 1) {
            throw new IllegalArgumentException("maxOutstanding must be at least 1, was " + maxOutstanding);
        }
        this.layout = layout;
        this.id = Consumers.unique();
        this.replies = layout.replies(id);
        this.checkEvery = checkEvery;
        this.rejectWhenFull = rejectWhenFull;
        this.counters = counters;
        this.maxOutstanding = maxOutstanding;
        this.room = new Semaphore(maxOutstanding);
        this.commandConnection = client.connect(Scripts.CODEC);
        this.readConnection = client.connect(Scripts.CODEC);
        this.redis = commandConnection.sync();
        this.adds = new AddBatcher(commandConnection.async(), layout.tasks(), replies);
        this.runId = Probes.runId(redis);
        this.readerThread = new Thread(this::readLoop, "procpool-replies-" + layout.pool());
        readerThread.setDaemon(true);
        readerThread.start();
    }

    /** This submitter's id: task ids are {@code <id>:<n>}, its reply stream {@code ...:reply:<id>}. */
    public String id() {
        return id;
    }

    public String replyStream() {
        return replies;
    }

    public QueueCounters counters() {
        return counters;
    }

    public int outstanding() {
        return outstanding.size();
    }

    /**
     * Adds a task; the future completes with its reply (never twice, never left pending: {@link #close()} fails what
     * is left).
     *
     * @throws TaskRejectedException when closed, or full with {@code rejectWhenFull}
     */
    public CompletableFuture<Reply> add(byte[] body, int maxAttempts) throws InterruptedException {
        return add(body, maxAttempts, null, null).future();
    }

    /** A task on its way: its id and the future of its reply. */
    public record Added(String taskId, CompletableFuture<Reply> future) {
    }

    /**
     * Adds a task with a timeout (null for none) that the node applies once a worker has it; its progress events go
     * to {@code events} (null: dropped) on the reader thread, in order, all before its future completes.
     *
     * @throws TaskRejectedException when closed, or full with {@code rejectWhenFull}
     */
    public Added add(byte[] body, int maxAttempts, Duration timeout, java.util.function.Consumer<Reply> events)
            throws InterruptedException {
        return add(newTaskId(), body, maxAttempts, timeout, events);
    }

    /** A task id for {@link #add(String, byte[], int, Duration, java.util.function.Consumer)}: unique here. */
    public String newTaskId() {
        return id + ":" + sequence.incrementAndGet();
    }

    /** As above, with a task id from {@link #newTaskId()}. */
    public Added add(String taskId, byte[] body, int maxAttempts, Duration timeout,
                     java.util.function.Consumer<Reply> events) throws InterruptedException {
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("maxAttempts must be 1..100, was " + maxAttempts);
        }
        if (closed) {
            throw new TaskRejectedException(layout.pool() + " - submitter is closed");
        }
        if (rejectWhenFull) {
            if (!room.tryAcquire()) {
                throw new TaskRejectedException(layout.pool() + " - too many outstanding tasks (outstanding="
                        + outstanding.size() + "/" + maxOutstanding + ")");
            }
        } else {
            room.acquire();
        }
        Outstanding o = new Outstanding(TaskEntry.fields(taskId, replies, maxAttempts,
                timeout == null ? 0 : Math.max(1, timeout.toMillis()), body), events);
        o.future.whenComplete((r, t) -> room.release());
        outstanding.put(taskId, o);
        // without waiting: the adds that come while a batch is in flight go together in the next (AddBatcher)
        adds.add(o.fields).whenComplete((entryId, e) -> {
            if (e == null) {
                o.entryId = entryId;
                if (o.cancelled) {
                    sendCancel(entryId);  // cancelled before its entry id was known
                }
            } else if (outstanding.remove(taskId, o)) {
                o.future.completeExceptionally(new io.procpool.ProcpoolException(layout.pool() + " - task " + taskId
                        + " could not be added to Redis (" + e + "); nothing was queued, submit it again once Redis"
                        + " is reachable", e));
            }
        });
        if (closed) {
            failRest();
        }
        return new Added(taskId, o.future);
    }

    /**
     * Cancels a task (its future was cancelled here, or timed out): stops waiting for its reply, deletes its entry so
     * that no node runs it from now on, and when a node holds it, tells that node (the control stream) to stop it and
     * ack it. Asynchronous; a reply that comes anyway (the task ended first) is dropped and counted as stray.
     */
    public void cancel(String taskId) {
        Outstanding o = outstanding.remove(taskId);
        if (o == null) {
            return;
        }
        o.future.cancel(false);
        o.cancelled = true;
        String entryId = o.entryId;
        if (entryId != null) {
            sendCancel(entryId);  // else the XADD's callback sends it when the id comes
        }
    }

    private void sendCancel(String entryId) {
        counters.countCancelled();
        List<byte[]> args = List.of(TaskEntry.utf8(StreamLayout.GROUP), TaskEntry.utf8(entryId),
                TaskEntry.utf8("1000"));
        CompletableFuture<Long> f;
        try {
            f = Scripts.runAsync(Scripts.CANCEL, commandConnection.async(), io.lettuce.core.ScriptOutputType.INTEGER,
                    new String[] {layout.tasks(), layout.cancels()}, args);
        } catch (RuntimeException x) {
            f = CompletableFuture.failedFuture(x);
        }
        f.whenComplete((n, x) -> {
            if (x != null) {
                LOG.warn("{} - could not cancel entry {} in Redis (the task may still run; its reply is dropped): {}",
                        layout.pool(), entryId, x.toString());
            }
        });
    }

    private void readLoop() {
        String last = "0";
        long lastCheck = System.nanoTime();
        boolean suspect = false;
        RedisCommands<String, byte[]> reader = readConnection.sync();
        while (!closed) {
            try {
                if (suspect || System.nanoTime() - lastCheck >= checkEvery.toNanos()) {
                    lastCheck = System.nanoTime();
                    String now = Probes.runId(redis);
                    if (!now.equals(runId)) {
                        last = reconcile(reader, now, "Redis restarted (run_id " + runId + " -> " + now + ")");
                    } else {
                        last = recoverLost(reader, last);
                    }
                    suspect = false;
                }
                List<StreamMessage<String, byte[]>> got = reader.xread(XReadArgs.Builder.count(500)
                        .block(Duration.ofMillis(500)), Scripts.one(XReadArgs.StreamOffset.from(replies, last)));
                if (got != null && !got.isEmpty()) {
                    last = deliver(got);
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    suspect = true;
                    LOG.debug("{} - reply read failed: {}", layout.pool(), e.toString());
                    pause();
                }
            }
        }
    }

    /** Completes the futures of these replies and deletes them; returns the last id. */
    private String deliver(List<StreamMessage<String, byte[]>> got) {
        String last = null;
        List<String> ids = new ArrayList<>(got.size());
        for (StreamMessage<String, byte[]> m : got) {
            last = m.getId();
            ids.add(last);
            if (delivered.seen(last)) {
                continue;  // delivered before a Redis restart whose AOF kept it: deleted again below
            }
            Reply r = Reply.parse(m.getBody());
            if (r == null) {
                LOG.warn("{} - ignores a malformed reply {} on {}", layout.pool(), m.getId(), replies);
                continue;
            }
            if (r.outcome() == Reply.Outcome.EVENT) {
                Outstanding o = outstanding.get(r.taskId());
                if (o != null && o.events != null) {
                    o.events.accept(r);
                }
                continue;
            }
            Outstanding o = outstanding.remove(r.taskId());
            if (o != null) {
                o.future.complete(r);
            } else {
                counters.countStrayReply();
            }
        }
        // without waiting: on the command connection, so a reconcile's reads there come after it
        commandConnection.async().xdel(replies, ids.toArray(new String[0])).whenComplete((n, x) -> {
            if (x != null) {
                LOG.debug("{} - could not delete {} replies from {}: {}", layout.pool(), ids.size(), replies,
                        x.toString());
            }
        });
        return last;
    }

    /**
     * Entries lost on the same server (the stream deleted, FLUSHALL): the next window of {@value #SAMPLE} outstanding
     * tasks is looked up; if one's entry is gone and its reply has not come once the reply stream is read to its end
     * (a completion deletes the entry and writes the reply atomically), all are reconciled as after a restart.
     */
    private String recoverLost(RedisCommands<String, byte[]> reader, String last) {
        Map<String, Outstanding> sample = new java.util.HashMap<>();
        int skip = probeFrom < outstanding.size() ? probeFrom : 0;  // a window that moves: each is looked up in turn
        probeFrom = skip + SAMPLE;
        for (Outstanding o : outstanding.values()) {
            if (skip-- <= 0 && o.entryId != null && sample.size() < SAMPLE) {
                sample.put(o.entryId, o);
            }
        }
        List<String> gone = Probes.missing(redis, layout.tasks(), sample.keySet(), SAMPLE);
        if (gone.isEmpty()) {
            return last;
        }
        for (List<StreamMessage<String, byte[]>> got; (got = reader.xread(XReadArgs.Builder.count(500),
                Scripts.one(XReadArgs.StreamOffset.from(replies, last)))) != null && !got.isEmpty(); ) {
            last = deliver(got);
        }
        for (String e : gone) {
            if (!sample.get(e).future.isDone()) {
                return reconcile(reader, runId, "entries lost without a restart (the task stream deleted?)");
            }
        }
        return last;
    }

    /** A new Redis server, or entries lost: those gone whose reply has not come are added again; returns the cursor. */
    private String reconcile(RedisCommands<String, byte[]> reader, String newRunId, String why) {
        counters.countReconnect();
        LOG.warn("{} - {}: re-adding the tasks it lost", layout.pool(), why);
        Map<String, Outstanding> byEntry = new java.util.HashMap<>();
        for (Outstanding o : outstanding.values()) {
            if (o.entryId != null) {
                byEntry.put(o.entryId, o);
            }
        }
        List<Outstanding> missing = new ArrayList<>();
        for (String e : Probes.missing(redis, layout.tasks(), byEntry.keySet(), SAMPLE)) {
            missing.add(byEntry.get(e));
        }
        // the replies written before the check above: their entries were deleted with them
        String last = "0";
        while (true) {
            List<StreamMessage<String, byte[]>> got = reader.xread(XReadArgs.Builder.count(500),
                    Scripts.one(XReadArgs.StreamOffset.from(replies, last)));
            if (got == null || got.isEmpty()) {
                break;
            }
            last = deliver(got);
        }
        int n = 0;
        for (Outstanding o : missing) {
            if (!o.future.isDone()) {
                o.entryId = redis.xadd(layout.tasks(), o.fields);
                n++;
            }
        }
        counters.countReadded(n);
        runId = newRunId;
        return last;
    }

    private void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(100);  // a retry interval while Redis is unreachable, not a synchronization
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void failRest() {
        for (String k : List.copyOf(outstanding.keySet())) {
            Outstanding o = outstanding.remove(k);
            if (o != null) {
                o.future.completeExceptionally(new TaskRejectedException(layout.pool()
                        + " - submitter closed before the task's reply came (task " + k + ")"));
            }
        }
    }

    /** Stops reading replies; the futures still outstanding fail. */
    @Override
    public void close() {
        closed = true;
        readerThread.interrupt();
        try {
            readerThread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failRest();
        readConnection.close();
        commandConnection.close();
    }
}
