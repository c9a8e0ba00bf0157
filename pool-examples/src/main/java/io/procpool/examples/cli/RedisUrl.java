package io.procpool.examples.cli;

import io.lettuce.core.RedisURI;

/** The {@code --redis URL} of node, run and dlq: checked as a usage error before anything connects. */
final class RedisUrl {

    private RedisUrl() {
    }

    /** Null when {@code url} is a Redis URL Lettuce accepts, else the one-line reason (for exit 2). */
    static String problem(String url) {
        try {
            RedisURI.create(url);
            return null;
        } catch (RuntimeException e) {
            return "--redis " + url + ": not a Redis URL (redis://[user:password@]host:port[/db], or rediss:// for"
                    + " TLS): " + e.getMessage();
        }
    }
}
