package io.procpool.examples.cli;

import java.util.concurrent.CompletableFuture;

import io.procpool.runtime.ExecPool;

/** The items of a run on a pool of persistent workers: line mode or protocol mode. */
final class PoolItems implements ItemRunner {

    private final ExecPool<String, String> pool;

    /** Builds the pool: its workers are started (and proven to start) here. */
    PoolItems(ExecPool.Builder<String, String> builder) {
        this.pool = builder.build();
    }

    @Override
    public CompletableFuture<String> submit(long number, String input) {
        return pool.submit(input);
    }

    @Override
    public void shutdown() {
        pool.shutdown();
    }

    @Override
    public void stopNow() {
        pool.shutdownNow();
    }

    @Override
    public boolean isTerminated() {
        return pool.isTerminated();
    }

    @Override
    public long reaped() {
        return pool.reapedWorkers();
    }

    @Override
    public void close() {
        pool.close();
    }
}
