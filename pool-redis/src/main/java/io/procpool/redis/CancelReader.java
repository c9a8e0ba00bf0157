package io.procpool.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's reader of the pool's control stream ({@link StreamLayout#cancels()}): every cancel a submitter sends for an
 * entry some node holds reaches every node; the one that holds it stops it. A thread and a connection of its own (a
 * blocking read). It starts after the last entry there is when it opens: a cancel is only ever sent for an entry
 * already held, and this node holds nothing yet. A cancel it misses (Redis restarted, the stream trimmed past it)
 * still arrives, later: the submitter deleted the entry, so the node's next renewal finds it gone.
 */
final class CancelReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CancelReader.class);

    private final StreamLayout layout;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final Consumer<String> onCancel;
    private final Thread thread;
    private volatile boolean closed;
    private String last;

    CancelReader(RedisClient client, StreamLayout layout, Consumer<String> onCancel) {
        this.layout = layout;
        this.onCancel = onCancel;
        this.connection = client.connect(Scripts.CODEC);
        List<StreamMessage<String, byte[]>> top = connection.sync().xrevrange(layout.cancels(), Range.unbounded(),
                Limit.from(1));
        this.last = top.isEmpty() ? "0" : top.get(0).getId();
        this.thread = new Thread(this::loop, "procpool-redis-cancels-" + layout.pool());
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        RedisCommands<String, byte[]> redis = connection.sync();
        while (!closed) {
            try {
                List<StreamMessage<String, byte[]>> got = redis.xread(XReadArgs.Builder.count(500)
                        .block(Duration.ofMillis(500)), Scripts.one(XReadArgs.StreamOffset.from(layout.cancels(), last)));
                if (got == null) {
                    continue;
                }
                for (StreamMessage<String, byte[]> m : got) {
                    last = m.getId();
                    byte[] entry = m.getBody().get("entry");
                    if (entry != null) {
                        onCancel.accept(TaskEntry.str(entry));
                    }
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.debug("{} - reading the control stream failed (retrying): {}", layout.pool(), e.toString());
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(200));  // retry interval, Redis down
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.close();
    }
}
