package io.procpool.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

/**
 * Group commit of a node's completions: a completion is sent at once when none is in flight; those that come while
 * one is in flight wait for it and then go together, up to {@link #MAX_BATCH}, in one {@code complete_batch.lua}
 * (one EVALSHA, one XPENDING, one XACK and one XDEL per batch instead of per task). At a low rate each batch holds
 * one completion and costs one round trip, as before; under load the batches grow with the rate. Thread-safe.
 */
final class CompletionBatcher extends GroupCommit<CompletionBatcher.Pending> {

    static final int MAX_BATCH = 256;

    /** One completion waiting to be sent. */
    record Pending(String entryId, String replyTo, List<byte[]> fields,
                           CompletableFuture<Long> result) {
    }

    private final RedisAsyncCommands<String, byte[]> redis;
    private final StreamLayout layout;
    private final byte[] consumer;
    private final byte[] ttl;

    CompletionBatcher(RedisAsyncCommands<String, byte[]> redis, StreamLayout layout, String consumer, long ttlMillis) {
        super(MAX_BATCH);
        this.redis = redis;
        this.layout = layout;
        this.consumer = TaskEntry.utf8(consumer);
        this.ttl = TaskEntry.utf8(Long.toString(ttlMillis));
    }

    /**
     * Completes entry {@code entryId} with a reply to {@code replyTo}: 1 accepted, 0 refused, -1 the group is gone,
     * 2 dead-lettered instead (its reply key holds another type than a stream).
     */
    CompletableFuture<Long> complete(String entryId, String replyTo, List<byte[]> fields) {
        Pending p = new Pending(entryId, replyTo, fields, new CompletableFuture<>());
        queue(p);
        return p.result;
    }

    @Override
    void answer(Pending p, int i, List<Object> codes, Throwable error) {
        if (error != null) {
            p.result.completeExceptionally(error);
        } else {
            p.result.complete(i < codes.size() && codes.get(i) instanceof Long l ? l : -1L);
        }
    }

    @Override
    CompletableFuture<List<Object>> send(List<Pending> batch) {
        String[] keys = new String[batch.size() + 2];
        keys[0] = layout.tasks();
        keys[batch.size() + 1] = layout.dead();  // for an entry whose reply key is not a stream
        List<byte[]> args = new ArrayList<>(4 + batch.size() * 16);
        args.add(TaskEntry.utf8(StreamLayout.GROUP));
        args.add(consumer);
        args.add(ttl);
        args.add(TaskEntry.utf8(Integer.toString(batch.size())));
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            keys[i + 1] = p.replyTo;
            args.add(TaskEntry.utf8(p.entryId));
            args.add(TaskEntry.utf8(Integer.toString(p.fields.size())));
            args.addAll(p.fields);
        }
        return Scripts.runAsync(Scripts.COMPLETE_BATCH, redis, ScriptOutputType.MULTI, keys, args);
    }
}
