package io.procpool.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;

/**
 * A node's side of a pool's task stream: read new entries, renew the lease of held ones, reclaim a dead node's,
 * complete or dead-letter what it holds. Engine-independent: bytes in, bytes out.
 *
 * <p>Blocking reads ({@code XREADGROUP BLOCK}) have their own connection, so that renewals and completions never
 * queue behind them. Thread-safe: Lettuce connections are.
 */
public final class NodeQueue implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeQueue.class);

    /** What the completion script said. */
    public enum Completion {
        /** The reply is written, the entry acked and deleted. */
        ACCEPTED,
        /** This node no longer holds the entry (another reclaimed it): its result is dropped and counted. */
        REFUSED,
        /** The consumer group is gone (Redis lost it): the submitter re-adds the task. */
        GROUP_GONE,
        /**
         * The entry names a reply key that is not a stream (some client wrote another type there): no reply can be
         * written, so the entry went to the dead-letter stream instead (acked and deleted).
         */
        UNDELIVERABLE
    }

    private final StreamLayout layout;
    private final String consumer;
    private final Duration lease;
    private final Duration replyTtl;
    private final RedisCommands<String, byte[]> redis;
    private final RedisCommands<String, byte[]> reader;
    private final StatefulRedisConnection<String, byte[]> commandConnection;
    private final StatefulRedisConnection<String, byte[]> readConnection;
    private final QueueCounters counters;
    private final CompletionBatcher batcher;

    /**
     * @param consumer the consumer name, unique per node incarnation ({@link Consumers#unique})
     * @param lease    how long an entry may go unrenewed before another node may reclaim it
     * @param replyTtl how long a reply stream lives after its last reply
     */
    public NodeQueue(io.lettuce.core.RedisClient client, StreamLayout layout, String consumer, Duration lease,
                     Duration replyTtl, QueueCounters counters) {
        this.layout = layout;
        this.consumer = consumer;
        this.lease = lease;
        this.replyTtl = replyTtl;
        this.counters = counters;
        this.commandConnection = client.connect(Scripts.CODEC);
        this.readConnection = client.connect(Scripts.CODEC);
        this.redis = commandConnection.sync();
        this.reader = readConnection.sync();
        this.batcher = new CompletionBatcher(commandConnection.async(), layout, consumer, replyTtl.toMillis());
        ensureGroup();
    }

    public String consumer() {
        return consumer;
    }

    public StreamLayout layout() {
        return layout;
    }

    public Duration lease() {
        return lease;
    }

    /**
     * Creates the task stream and its group when missing. The group starts at 0, so that tasks a submitter re-added
     * before the group was recreated (after a Redis restart) are read too.
     */
    public void ensureGroup() {
        try {
            redis.xgroupCreate(XReadArgs.StreamOffset.from(layout.tasks(), "0"), StreamLayout.GROUP,
                    XGroupCreateArgs.Builder.mkstream());
            counters.countGroupCreated();
        } catch (RedisCommandExecutionException e) {
            if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    /**
     * Reads up to {@code count} new entries, waiting up to {@code block} for the first. Each is delivery 1. A malformed
     * entry is dead-lettered here and not returned. On {@code NOGROUP} (Redis restarted) the group is recreated and
     * the read returns nothing.
     */
    public List<TaskEntry> read(int count, Duration block) {
        List<StreamMessage<String, byte[]>> messages;
        try {
            messages = reader.xreadgroup(Consumer.from(StreamLayout.GROUP, consumer),
                    XReadArgs.Builder.count(count).block(block), Scripts.one(XReadArgs.StreamOffset.lastConsumed(layout.tasks())));
        } catch (RedisCommandExecutionException e) {
            if (isNoGroup(e)) {
                ensureGroup();
                return List.of();
            }
            throw e;
        }
        List<TaskEntry> out = new ArrayList<>(messages == null ? 0 : messages.size());
        if (messages != null) {
            for (StreamMessage<String, byte[]> m : messages) {
                TaskEntry e = accept(m.getId(), m.getBody(), 1);
                if (e != null) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /**
     * Renews the lease of the given entries: those this consumer still holds get their idle time reset (without
     * counting a delivery). Returns the ids still held; an id missing from it was reclaimed by another node (or lost
     * with a Redis restart) and must be stopped here.
     */
    public Set<String> renew(Collection<String> entryIds) {
        if (entryIds.isEmpty()) {
            return Set.of();
        }
        List<byte[]> args = new ArrayList<>(entryIds.size() + 2);
        args.add(TaskEntry.utf8(StreamLayout.GROUP));
        args.add(TaskEntry.utf8(consumer));
        for (String id : entryIds) {
            args.add(TaskEntry.utf8(id));
        }
        List<Object> held = Scripts.RENEW.run(redis, ScriptOutputType.MULTI, new String[] {layout.tasks()}, args);
        Set<String> out = new LinkedHashSet<>();
        for (Object o : held) {
            out.add(o instanceof byte[] b ? TaskEntry.str(b) : String.valueOf(o));
        }
        return out;
    }

    /**
     * Takes over up to {@code count} entries that have gone unrenewed for a whole lease (their node died or hangs).
     * {@code XCLAIM} with the lease as min-idle makes two reclaimers safe: the first resets the idle time, so the
     * second's claim of the same entry returns nothing. Each claim counts a delivery; an entry past its maxAttempts is
     * dead-lettered here (its future fails) and not returned.
     */
    public List<TaskEntry> reclaim(int count) {
        List<PendingMessage> idle;
        try {
            idle = redis.xpending(layout.tasks(), new XPendingArgs<String>().group(StreamLayout.GROUP)
                    .range(Range.unbounded()).limit(Limit.from(count)).idle(lease));
        } catch (RedisCommandExecutionException e) {
            if (isNoGroup(e)) {
                ensureGroup();
                return List.of();
            }
            throw e;
        }
        if (idle.isEmpty()) {
            return List.of();
        }
        Map<String, PendingMessage> byId = new HashMap<>();
        for (PendingMessage p : idle) {
            byId.put(p.getId(), p);
        }
        List<StreamMessage<String, byte[]>> claimed = redis.xclaim(layout.tasks(),
                Consumer.from(StreamLayout.GROUP, consumer), XClaimArgs.Builder.minIdleTime(lease),
                byId.keySet().toArray(new String[0]));
        List<TaskEntry> out = new ArrayList<>(claimed.size());
        for (StreamMessage<String, byte[]> m : claimed) {
            PendingMessage before = byId.get(m.getId());
            counters.countReclaimed();
            long deliveries = before.getRedeliveryCount() + 1;
            TaskEntry e = accept(m.getId(), m.getBody(), deliveries);
            if (e == null) {
                continue;
            }
            if (deliveries > e.maxAttempts()) {
                try {
                    deadLetter(e, "delivered " + deliveries + " times (maxAttempts " + e.maxAttempts()
                            + "): consumer " + before.getConsumer() + " held it last and stopped renewing its lease of "
                            + lease);
                } catch (RuntimeException x) {
                    // as in accept: the entries claimed with it must not be lost with this one's failure
                    LOG.warn("{} - could not dead-letter entry {}: {}", layout.pool(), e.entryId(), x.toString());
                }
                continue;
            }
            out.add(e);
        }
        return out;
    }

    /**
     * Counts one more delivery of a held entry whose worker died running it; returns the entry with its new count,
     * or null when this node no longer holds it (or Redis lost it).
     */
    public TaskEntry redeliver(TaskEntry e) {
        List<byte[]> args = List.of(TaskEntry.utf8(StreamLayout.GROUP), TaskEntry.utf8(consumer),
                TaskEntry.utf8(e.entryId()));
        Long n = Scripts.REDELIVER.run(redis, ScriptOutputType.INTEGER, new String[] {layout.tasks()}, args);
        return n == null || n <= 0 ? null : e.withDeliveries(n);
    }

    /**
     * As {@link #redeliver}, without waiting (a local retry after a worker crash, from the engine's I/O thread): on the
     * command connection, so that it reaches Redis before the task's completion. Completes with the new count, 0 when
     * this node no longer holds the entry, -1 when the group is gone.
     */
    public java.util.concurrent.CompletableFuture<Long> redeliverAsync(TaskEntry e) {
        List<byte[]> args = List.of(TaskEntry.utf8(StreamLayout.GROUP), TaskEntry.utf8(consumer),
                TaskEntry.utf8(e.entryId()));
        return Scripts.runAsync(Scripts.REDELIVER, commandConnection.async(), ScriptOutputType.INTEGER,
                new String[] {layout.tasks()}, args);
    }

    /** Acks an entry its submitter cancelled (and deleted) while this node held it: its PEL entry goes, once. */
    public java.util.concurrent.CompletableFuture<Long> ackAsync(String entryId) {
        return commandConnection.async().xack(layout.tasks(), StreamLayout.GROUP, entryId).toCompletableFuture();
    }

    /**
     * Sends a progress event of a held task to its submitter's reply stream, without waiting: on the command
     * connection, so that events and the completion reach the stream in the order they were sent.
     */
    public java.util.concurrent.CompletableFuture<String> eventAsync(TaskEntry e, long attempt, byte[] body) {
        Map<String, byte[]> f = new java.util.LinkedHashMap<>(8);
        f.put("id", TaskEntry.utf8(e.taskId()));
        f.put("outcome", TaskEntry.utf8(Reply.Outcome.EVENT.tag()));
        f.put("attempt", TaskEntry.utf8(Long.toString(attempt)));
        f.put("body", body);
        return commandConnection.async().xadd(e.replyTo(), f).toCompletableFuture();
    }

    /**
     * Gives back a held entry that never started, without using an attempt: any node's next reclaim takes it at once
     * with the same attempt number. False when this node no longer held it.
     */
    public boolean release(TaskEntry e) {
        List<byte[]> args = List.of(TaskEntry.utf8(StreamLayout.GROUP), TaskEntry.utf8(consumer),
                TaskEntry.utf8(e.entryId()), TaskEntry.utf8(Long.toString(lease.toMillis() * 2)));
        Long n = Scripts.RELEASE.run(redis, ScriptOutputType.INTEGER, new String[] {layout.tasks()}, args);
        return n != null && n == 1;
    }

    /** Completes a held entry with its reply, if this node still holds it. */
    public Completion complete(TaskEntry e, Reply reply) {
        return runComplete(e.entryId(), e.replyTo(), "", reply.flatten());
    }

    /**
     * Moves a held entry to the dead-letter stream with {@code error} and fails its future (a {@code dead} reply).
     */
    public Completion deadLetter(TaskEntry e, String error) {
        counters.countDeadLettered();
        Reply r = Reply.failed(e.taskId(), Reply.Outcome.DEAD, e.deliveries(), "dead-letter", error, "");
        return runComplete(e.entryId(), e.replyTo(), error, r.flatten());
    }

    /**
     * As {@link #complete}, without waiting (the result arrives on a Lettuce I/O thread). Completions that come while
     * one is in flight go together in one script call ({@link CompletionBatcher}).
     */
    public java.util.concurrent.CompletableFuture<Completion> completeAsync(TaskEntry e, Reply reply) {
        return batcher.complete(e.entryId(), e.replyTo(), reply.flatten()).thenApply(r -> completion(r, false));
    }

    /** As {@link #deadLetter}, without waiting. */
    public java.util.concurrent.CompletableFuture<Completion> deadLetterAsync(TaskEntry e, String error) {
        counters.countDeadLettered();
        Reply r = Reply.failed(e.taskId(), Reply.Outcome.DEAD, e.deliveries(), "dead-letter", error, "");
        return runCompleteAsync(e.entryId(), e.replyTo(), error, r.flatten());
    }

    private java.util.concurrent.CompletableFuture<Completion> runCompleteAsync(String entryId, String replyTo,
            String deadError, List<byte[]> replyFields) {
        String reply = replyTo == null ? layout.dead() : replyTo;
        java.util.concurrent.CompletableFuture<Long> r = Scripts.runAsync(Scripts.COMPLETE,
                commandConnection.async(), ScriptOutputType.INTEGER, new String[] {layout.tasks(), reply,
                        layout.dead()}, completeArgs(entryId, deadError, replyFields));
        return r.thenApply(c -> completion(c, !deadError.isEmpty()));
    }

    private List<byte[]> completeArgs(String entryId, String deadError, List<byte[]> replyFields) {
        List<byte[]> args = new ArrayList<>(5 + replyFields.size());
        args.add(TaskEntry.utf8(StreamLayout.GROUP));
        args.add(TaskEntry.utf8(consumer));
        args.add(TaskEntry.utf8(entryId));
        args.add(TaskEntry.utf8(Long.toString(replyTtl.toMillis())));
        args.add(TaskEntry.utf8(deadError));
        args.addAll(replyFields);
        return args;
    }

    /** What the completion scripts' code means; {@code deadLetter}: the call dead-lettered it (counted already). */
    private Completion completion(Long r, boolean deadLetter) {
        if (r == 1) {
            return Completion.ACCEPTED;
        }
        if (r == 2) {  // its reply key is not a stream: the script dead-lettered the entry instead of replying
            if (!deadLetter) {
                counters.countDeadLettered();
            }
            return Completion.UNDELIVERABLE;
        }
        counters.countStaleCompletion();
        return r == 0 ? Completion.REFUSED : Completion.GROUP_GONE;
    }

    private Completion runComplete(String entryId, String replyTo, String deadError, List<byte[]> replyFields) {
        String reply = replyTo == null ? layout.dead() : replyTo;
        Long r = Scripts.COMPLETE.run(redis, ScriptOutputType.INTEGER,
                new String[] {layout.tasks(), reply, layout.dead()}, completeArgs(entryId, deadError, replyFields));
        return completion(r, !deadError.isEmpty());
    }

    /** Parses an entry; a malformed one is dead-lettered at once (no attempt is spent on it) and gives null. */
    private TaskEntry accept(String id, Map<String, byte[]> body, long deliveries) {
        try {
            TaskEntry e = TaskEntry.parse(id, body, deliveries);
            if (!e.replyTo().startsWith(replyPrefix())) {
                throw new TaskEntry.MalformedEntry(id, "entry " + id + " names reply stream " + e.replyTo()
                        + ", not one of pool " + layout.pool(), null);
            }
            return e;
        } catch (TaskEntry.MalformedEntry bad) {
            counters.countDeadLettered();
            boolean replyOk = bad.replyTo != null && bad.replyTo.startsWith(replyPrefix());
            byte[] id0 = body.get(TaskEntry.ID);
            List<byte[]> reply = replyOk && id0 != null
                    ? Reply.failed(TaskEntry.str(id0), Reply.Outcome.DEAD, deliveries, "dead-letter",
                            bad.getMessage(), "").flatten()
                    : List.of();
            try {
                runComplete(id, replyOk ? bad.replyTo : null, bad.getMessage(), reply);
            } catch (RuntimeException x) {
                // this entry stays pending (another reclaim tries again); the entries read with it go on
                LOG.warn("{} - could not dead-letter malformed entry {}: {}", layout.pool(), id, x.toString());
            }
            return null;
        }
    }

    private String replyPrefix() {
        String r = layout.replies("x");
        return r.substring(0, r.length() - 1);
    }

    static boolean isNoGroup(RedisCommandExecutionException e) {
        return String.valueOf(e.getMessage()).startsWith("NOGROUP");
    }

    /** Removes this node's consumer from the group if it holds nothing (never one with pending entries). */
    public boolean forget() {
        List<byte[]> args = List.of(TaskEntry.utf8(StreamLayout.GROUP), TaskEntry.utf8(consumer));
        Long r = Scripts.FORGET.run(redis, ScriptOutputType.INTEGER, new String[] {layout.tasks()}, args);
        return r != null && r == 1;
    }

    @Override
    public void close() {
        readConnection.close();
        commandConnection.close();
    }
}
