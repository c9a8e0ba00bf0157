package io.procpool.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.procpool.PoolStats;
import io.procpool.runtime.dispatch.PoolConfig;
import io.procpool.runtime.dispatch.PoolEngine;

/**
 * What every pool has beyond submit: lifecycle as in {@code java.util.concurrent} ({@link #shutdown()} drains,
 * {@link #shutdownNow()} returns what never started, {@link #close()} shuts down, waits {@code shutdownTimeout},
 * then stops the rest), size, statistics. After close no worker process is left, alive or zombie.
 *
 * @param <T> what the pool's callers submit, as {@link #shutdownNow()} gives it back
 */
public abstract class AbstractPool<T> implements AutoCloseable {

    final PoolConfig config;
    final PoolEngine engine;

    AbstractPool(PoolConfig config, PoolEngine engine) {
        this.config = config;
        this.engine = engine;
    }

    /** Takes no new task; queued and running ones finish, then the workers exit. Idempotent. */
    public void shutdown() {
        engine.shutdown();
    }

    /**
     * Cancels queued and running tasks, kills the workers, and returns the tasks that never started, each once: the
     * queued ones and those a worker held without having started them (it waits, 10 s at most, for the killed
     * workers' exits to know). Their futures are cancelled by the time it returns. Called from a listener (listeners
     * run on the pool's I/O thread, which handles those exits), it returns the queued tasks only, and the held ones
     * are cancelled.
     */
    @SuppressWarnings("unchecked")
    public List<T> shutdownNow() {
        List<T> tasks = new ArrayList<>();
        for (Object t : engine.shutdownNow()) {
            tasks.add((T) t);
        }
        return tasks;
    }

    /** Waits until the pool has terminated (every future done, every worker reaped); false at the timeout. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return engine.awaitTermination(timeout);
    }

    /** As {@link #awaitTermination(Duration)}, with the arguments of {@code ExecutorService}. */
    public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
        return engine.awaitTermination(Duration.ofNanos(unit.toNanos(timeout)));
    }

    public boolean isShutdown() {
        return engine.isShutdown();
    }

    public boolean isTerminated() {
        return engine.isTerminated();
    }

    public PoolStats stats() {
        return engine.stats();
    }

    /**
     * Makes the pool {@code workers} workers strong (1..1024), now: missing workers start, surplus ones finish what
     * they hold, then exit (idle ones first). Ends dynamic sizing: see {@link #resize(int, int)}.
     */
    public void resize(int workers) {
        resize(workers, workers);
    }

    /**
     * Sizes the pool dynamically: {@code min} workers always run (0..max), more are started while tasks wait, up
     * to {@code max} (1..1024), and those idle for longer than {@code idleTimeout} stop again.
     *
     * @throws IllegalArgumentException for bounds out of range
     */
    public void resize(int min, int max) {
        engine.resize(min, max);
    }

    /** How many worker processes the pool has reaped (each one exactly once). */
    public long reapedWorkers() {
        return engine.spawner().reapedCount();
    }

    public String name() {
        return config.name();
    }

    public PoolConfig config() {
        return config;
    }

    /**
     * Shutdown, wait up to {@code shutdownTimeout}, then shutdownNow; returns when every worker is reaped. Called from
     * a listener or a future's callback that runs on one of the pool's own threads, it shuts down and returns at
     * once: it cannot wait for the threads it runs on.
     */
    @Override
    public void close() {
        if (engine.onOwnThread()) {
            shutdown();
            return;
        }
        boolean interrupted = false;
        shutdown();
        try {
            if (!engine.awaitTermination(config.shutdownTimeout())) {
                shutdownNow();
            }
        } catch (InterruptedException e) {
            interrupted = true;
            shutdownNow();
        }
        while (true) {
            try {
                engine.awaitTermination(Duration.ofDays(1));
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + config.name() + ", " + stats() + "]";
    }

    /** Configures a {@link TaskPool}; every setter checks its value, {@link #build()} starts the workers. */
}
