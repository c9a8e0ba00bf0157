package io.procpool.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * The operator's view of a pool's dead-letter stream: list, requeue (as new tasks, attempts from zero), purge.
 * A requeued task's original future has already failed: its new reply reaches the submitter (if it still runs) as a
 * stray reply and is dropped; requeue is for tasks whose effect matters, not their future.
 */
public final class DeadLetters implements AutoCloseable {

    /** One dead-lettered task. */
    public record Dead(String entryId, String taskId, String error, long deliveries, String consumer, int bodyBytes) {
    }

    private final StreamLayout layout;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisCommands<String, byte[]> redis;

    public DeadLetters(RedisClient client, StreamLayout layout) {
        this.layout = layout;
        this.connection = client.connect(Scripts.CODEC);
        this.redis = connection.sync();
    }

    /** The oldest {@code limit} dead letters. */
    public List<Dead> list(int limit) {
        List<Dead> out = new ArrayList<>();
        for (StreamMessage<String, byte[]> m : redis.xrange(layout.dead(), Range.unbounded(), Limit.from(limit))) {
            Map<String, byte[]> f = m.getBody();
            long deliveries;
            try {
                deliveries = Long.parseLong(text(f, "deliveries"));
            } catch (NumberFormatException e) {
                deliveries = 0;
            }
            byte[] body = f.get(TaskEntry.BODY);
            out.add(new Dead(m.getId(), text(f, TaskEntry.ID), text(f, "error"), deliveries, text(f, "consumer"),
                    body == null ? 0 : body.length));
        }
        return out;
    }

    public long count() {
        return redis.xlen(layout.dead());
    }

    /** Moves these dead letters (all when {@code entryIds} is empty) back to the task stream; returns how many. */
    public long requeue(List<String> entryIds) {
        List<String> ids = entryIds.isEmpty() ? allIds() : entryIds;
        long moved = 0;
        for (int i = 0; i < ids.size(); i += 100) {
            List<byte[]> args = new ArrayList<>();
            for (String id : ids.subList(i, Math.min(ids.size(), i + 100))) {
                args.add(TaskEntry.utf8(id));
            }
            Long n = Scripts.REQUEUE.run(redis, ScriptOutputType.INTEGER, new String[] {layout.dead(), layout.tasks()},
                    args);
            moved += n == null ? 0 : n;
        }
        return moved;
    }

    /** Deletes these dead letters (all when {@code entryIds} is empty); returns how many. */
    public long purge(List<String> entryIds) {
        if (entryIds.isEmpty()) {
            long n = redis.xlen(layout.dead());
            redis.del(layout.dead());
            return n;
        }
        return redis.xdel(layout.dead(), entryIds.toArray(new String[0]));
    }

    private List<String> allIds() {
        List<String> ids = new ArrayList<>();
        for (StreamMessage<String, byte[]> m : redis.xrange(layout.dead(), Range.unbounded())) {
            ids.add(m.getId());
        }
        return ids;
    }

    private static String text(Map<String, byte[]> f, String k) {
        byte[] v = f.get(k);
        return v == null ? "" : TaskEntry.str(v);
    }

    @Override
    public void close() {
        connection.close();
    }
}
