package io.procpool.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

/**
 * Group commit of a submitter's new tasks: an add is sent at once when none is in flight; those that come while one
 * is in flight wait for it and then go together, up to {@link #MAX_BATCH}, in one {@code add_batch.lua} (one
 * {@code EVALSHA} and one Lettuce command per batch instead of one {@code XADD} command per task: the client's
 * per-command work, encoding, write and reply, was most of a submitter's CPU). At a low rate each batch holds one task
 * and costs one round trip, as a plain XADD did; under load the batches grow with the rate. Entries reach the stream
 * in the order of {@link #add} calls. At most one call is in flight, so an outage queues no more than one command in
 * Lettuce; what waits here is bounded by the submitter's maxOutstanding. Thread-safe.
 */
final class AddBatcher extends GroupCommit<AddBatcher.Pending> {

    static final int MAX_BATCH = 256;

    /** One add waiting to be sent. */
    record Pending(Map<String, byte[]> fields, CompletableFuture<String> entryId) {
    }

    private final RedisAsyncCommands<String, byte[]> redis;
    private final String tasks;
    private final byte[] replies;

    /**
     * @param tasks   the task stream
     * @param replies the submitter's reply stream: the {@code reply} field of every entry it adds
     */
    AddBatcher(RedisAsyncCommands<String, byte[]> redis, String tasks, String replies) {
        super(MAX_BATCH);
        this.redis = redis;
        this.tasks = tasks;
        this.replies = TaskEntry.utf8(replies);
    }

    /**
     * Adds a task with {@code fields} ({@link TaskEntry#fields}, its reply stream this batcher's); completes with the
     * entry id, or fails when Redis refused or could not be reached (then nothing was added).
     */
    CompletableFuture<String> add(Map<String, byte[]> fields) {
        Pending p = new Pending(fields, new CompletableFuture<>());
        queue(p);
        return p.entryId;
    }

    @Override
    void answer(Pending p, int i, List<Object> ids, Throwable error) {
        if (error != null) {
            p.entryId.completeExceptionally(error);
        } else if (i < ids.size() && ids.get(i) instanceof byte[] id) {
            p.entryId.complete(TaskEntry.str(id));
        } else {
            p.entryId.completeExceptionally(new IllegalStateException("add_batch.lua answered " + ids.size()
                    + " ids for more tasks"));
        }
    }

    @Override
    CompletableFuture<List<Object>> send(List<Pending> batch) {
        List<byte[]> args = new ArrayList<>(1 + batch.size() * 4);
        args.add(replies);
        for (Pending p : batch) {
            Map<String, byte[]> f = p.fields;
            args.add(f.get(TaskEntry.ID));
            args.add(f.get(TaskEntry.MAX));
            args.add(f.get(TaskEntry.TIMEOUT));
            args.add(f.get(TaskEntry.BODY));
        }
        return Scripts.runAsync(Scripts.ADD_BATCH, redis, ScriptOutputType.MULTI, new String[] {tasks}, args);
    }
}
