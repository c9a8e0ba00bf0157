package io.procpool.redis;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;

/** Lettuce clients as pool-redis needs them. */
public final class RedisClients {

    /** Commands queued while Redis is unreachable, per connection; past it a command fails at once. */
    public static final int DEFAULT_REQUEST_QUEUE = 10_000;

    private RedisClients() {
    }

    /**
     * A client for {@code uri} (password and TLS as Lettuce's {@code redis://} and {@code rediss://} URIs carry them):
     * auto-reconnect, a bounded request queue during an outage, and {@code commandTimeout} on every command, so that
     * a renewal fails (and is retried) well within a lease instead of waiting Lettuce's default minute. Blocking reads
     * must block for less than {@code commandTimeout}.
     */
    public static RedisClient create(String uri, Duration commandTimeout) {
        RedisURI u = RedisURI.create(uri);
        u.setTimeout(commandTimeout);
        RedisClient client = RedisClient.create(u);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .requestQueueSize(DEFAULT_REQUEST_QUEUE)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        return client;
    }
}
