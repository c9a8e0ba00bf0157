package io.procpool.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.procpool.PoolListener;
import io.procpool.QueueFullPolicy;
import io.procpool.runtime.supervise.ClassDataSharing;
import io.procpool.runtime.supervise.Durations;
import io.procpool.runtime.dispatch.PoolConfig;
import io.procpool.runtime.dispatch.PoolEngine;
import io.procpool.runtime.supervise.WorkerKind;

/**
 * The settings every pool has, whatever its workers: size, queue, timeouts, supervision, recycling, listeners.
 * Every setter checks its value at once; {@code build()} of the concrete builder checks the combination.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class PoolBuilder<B extends PoolBuilder<B>> {

    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    public static final long DEFAULT_MAX_QUEUED_BYTES = 2L << 20;
    public static final int DEFAULT_MAX_ATTEMPTS = 2;
    public static final Duration DEFAULT_CANCEL_GRACE = Duration.ofSeconds(2);
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofMillis(100);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(10);
    public static final int DEFAULT_CRASH_LOOP_RESTARTS = 10;
    public static final Duration DEFAULT_CRASH_LOOP_WINDOW = Duration.ofMinutes(1);

    String name = "pool";
    int minWorkers = Runtime.getRuntime().availableProcessors();
    int maxWorkers = minWorkers;
    Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    Duration backoffBase = DEFAULT_BACKOFF_BASE;
    Duration backoffMax = DEFAULT_BACKOFF_MAX;
    int crashLoopRestarts = DEFAULT_CRASH_LOOP_RESTARTS;
    Duration crashLoopWindow = DEFAULT_CRASH_LOOP_WINDOW;
    final List<PoolListener> listeners = new ArrayList<>();
    boolean maxWorkersSet;
    int capacity = 1;
    int prefetch = 0;
    int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    long maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
    QueueFullPolicy queueFullPolicy = QueueFullPolicy.WAIT;
    Duration taskTimeout;
    int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    Duration cancelGrace = DEFAULT_CANCEL_GRACE;
    Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
    Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    int maxMessageSize = 16 << 20;
    final Map<String, String> environment = new LinkedHashMap<>();
    boolean inheritEnvironment = true;
    java.util.Set<String> inheritedNames;  // only these of the host's variables; null: all (when inherited)
    Path directory;
    int maxTasksPerWorker;
    Duration maxWorkerLifetime;
    long maxWorkerRss;
    Duration heartbeatTimeout;
    int spares;
    int maxSpares = -1;  // -1: as many as spares (no sizing by the crash rate)
    int spareNice;
    Object meterRegistry;  // a MeterRegistry; Object so that this class never needs Micrometer
    private io.procpool.runtime.metrics.PoolMetrics metrics;
    private io.procpool.runtime.dispatch.JobSource jobSource;

    PoolBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * Retires a worker after this many tasks, give or take 10 % so that workers do not all retire together
     * (0, the default: never). Its successor is started first and takes over once ready: capacity does not dip.
     */
    public B maxTasksPerWorker(int tasks) {
        this.maxTasksPerWorker = Checks.range("maxTasksPerWorker", tasks, 0, Integer.MAX_VALUE);
        return self();
    }

    /** Retires a worker once it has lived this long, give or take 10 % (default: never). */
    public B maxWorkerLifetime(Duration lifetime) {
        this.maxWorkerLifetime = Checks.positive("maxWorkerLifetime", lifetime);
        return self();
    }

    /**
     * Retires a worker whose resident memory (VmRSS, read from /proc between tasks, at most every 100 ms) is
     * above this many bytes (default 0: no limit; at least 1 MiB). For tasks that leak.
     */
    public B maxWorkerRss(long bytes) {
        if (bytes != 0 && bytes < (1 << 20)) {
            throw new IllegalArgumentException("maxWorkerRss must be 0 (no limit) or at least 1048576 bytes, was "
                    + bytes);
        }
        this.maxWorkerRss = bytes;
        return self();
    }

    /**
     * Detects hung workers: each worker sends a heartbeat every third of this; one silent for longer (frozen,
     * stopped, swapped out, deadlocked in the JVM) is killed and replaced, and its task retried (default: off).
     * A task that merely runs long is the business of {@link #taskTimeout}.
     */
    public B heartbeatTimeout(Duration timeout) {
        Duration t = Checks.positive("heartbeatTimeout", timeout);
        if (t.toMillis() < 30) {
            throw new IllegalArgumentException("heartbeatTimeout must be at least 30 ms, was " + Durations.text(t));
        }
        this.heartbeatTimeout = t;
        return self();
    }

    /**
     * Keeps this many warm spares (0..16; default 0): started, ready workers that run nothing until a worker
     * dies, then take its place at once — recovery without waiting for a JVM to start.
     */
    public B spares(int spares) {
        this.spares = Checks.range("spares", spares, 0, 16);
        return self();
    }

    /** {@link #spares(int)}, up to {@code maxSpares} (0..16) while workers crash (docs/startup-benchmarks.md). */
    public B spares(int spares, int maxSpares) {
        this.maxSpares = Checks.range("maxSpares", maxSpares, 0, 16);
        return spares(spares);
    }

    /** Spares and successors start at this nice value (0..19, default 0), 0 once ready (docs/startup-benchmarks.md). */
    public B spareNice(int nice) {
        this.spareNice = Checks.range("spareNice", nice, 0, 19);
        return self();
    }

    /**
     * The name in logs, messages, thread names, metrics tags and the workers' {@code PROCPOOL_WORKER} ({@code <name>-<n>}).
     * A {@code TaskPool}'s workers also show it as their argv[0] ({@code procpool:<name>:<n>}, what {@code ps} shows);
     * an {@code ExecPool}'s keep the argv[0] of their command, which multi-call programs (busybox) and scripts
     * ({@code $0}) depend on.
     */
    public B name(String name) {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("name must be 1..64 of A-Z a-z 0-9 . _ -, was '" + name + "'");
        }
        this.name = name;
        return self();
    }

    /** How many worker JVMs (1..1024; default: the number of processors): a fixed-size pool. */
    public B workers(int workers) {
        this.minWorkers = Checks.range("workers", workers, 1, 1024);
        this.maxWorkers = workers;
        return self();
    }

    /**
     * The fewest workers of a dynamically sized pool (0..1024): they run however idle. With 0 the pool still
     * starts one, to prove the worker command works, and lets it go when idle. See {@link #maxWorkers}.
     */
    public B minWorkers(int workers) {
        this.minWorkers = Checks.range("minWorkers", workers, 0, 1024);
        return self();
    }

    /**
     * The most workers of a dynamically sized pool (1..1024): more are started while tasks wait and every
     * worker is full; those idle for longer than {@link #idleTimeout} stop again, down to {@link #minWorkers}.
     */
    public B maxWorkers(int workers) {
        this.maxWorkers = Checks.range("maxWorkers", workers, 1, 1024);
        maxWorkersSet = true;
        return self();
    }

    /** How long a worker above minWorkers may stay idle before it stops (default 60 s). */
    public B idleTimeout(Duration timeout) {
        this.idleTimeout = Checks.positive("idleTimeout", timeout);
        return self();
    }

    /**
     * The back-off before a worker slot is restarted after a worker died without doing any work (a failed start,
     * or dead before its first task): {@code base}, doubling with each such death in a row, at most {@code max},
     * each time times a random 0.5..1 (defaults 100 ms and 10 s). A worker that did a task, or lived 10 s,
     * resets it; its death is followed by a restart at once.
     */
    public B restartBackoff(Duration base, Duration max) {
        this.backoffBase = Checks.positive("restartBackoff base", base);
        this.backoffMax = Checks.positive("restartBackoff max", max);
        if (max.compareTo(base) < 0) {
            throw new IllegalArgumentException("restartBackoff max must be at least base, was base "
                    + Durations.text(base) + ", max " + Durations.text(max));
        }
        return self();
    }

    /**
     * The crash-loop breaker: when more than {@code restarts} workers die without doing any work within
     * {@code window} (defaults 10 in 1 minute), the pool fails: queued and new tasks fail at once with a
     * {@link io.procpool.PoolFailedException} naming the last crash, listeners hear {@code poolFailed}. Workers
     * that die after doing work never count: a steady rate of crashing tasks does not trip it.
     */
    public B crashLoopLimit(int restarts, Duration window) {
        this.crashLoopRestarts = Checks.range("crashLoopLimit restarts", restarts, 1, Integer.MAX_VALUE);
        this.crashLoopWindow = Checks.positive("crashLoopLimit window", window);
        return self();
    }

    /** Adds a listener of the pool's events (worker lifecycle, restarts, task start and end). */
    public B listener(PoolListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return self();
    }

    /** How many tasks one worker runs at once, on as many threads (1..1024; default 1). */
    public B capacity(int capacity) {
        this.capacity = Checks.range("capacity", capacity, 1, 1024);
        return self();
    }

    /**
     * How many more tasks a worker may hold, waiting, so that it never idles between short tasks (0..1024;
     * default 0). Raise it for many small tasks; a crash sends the waiting ones back to the queue.
     */
    public B prefetch(int prefetch) {
        this.prefetch = Checks.range("prefetch", prefetch, 0, 1024);
        return self();
    }

    /** How many tasks may wait for a worker (1..10,000,000; default 10,000). */
    public B queueCapacity(int capacity) {
        this.queueCapacity = Checks.range("queueCapacity", capacity, 1, 10_000_000);
        return self();
    }

    /**
     * How many bytes of encoded tasks may wait for a worker (1 KiB..1 TiB; default 2 MiB): with large tasks, the
     * bound that counts. A short queue is a fast one: tasks that wait long enough for a young collection get copied
     * by it. One task is always let in when none waits, however large.
     */
    public B maxQueuedBytes(long bytes) {
        this.maxQueuedBytes = Checks.range("maxQueuedBytes", bytes, 1024, 1L << 40);
        return self();
    }

    /** What submit does when the queue is full (in tasks or in bytes): WAIT (default) or REJECT. */
    public B queueFullPolicy(QueueFullPolicy policy) {
        this.queueFullPolicy = Objects.requireNonNull(policy, "policy");
        return self();
    }

    /**
     * Default timeout of every task (default: none), counted from when it is sent to a worker, and counted again
     * from when it starts in a worker that says so (JVM workers, and protocol workers with the {@code started}
     * capability): a task prefetched behind another gets its whole timeout once it runs.
     */
    public B taskTimeout(Duration timeout) {
        this.taskTimeout = Checks.positive("taskTimeout", timeout);
        return self();
    }

    /** How many workers may die running one task before it fails (1..100; default 2). */
    public B maxAttempts(int attempts) {
        this.maxAttempts = Checks.range("maxAttempts", attempts, 1, 100);
        return self();
    }

    /** How long a cancelled or timed-out task may take to stop before its worker is killed (default 2 s). */
    public B cancelGrace(Duration grace) {
        this.cancelGrace = Checks.positive("cancelGrace", grace);
        return self();
    }

    /** How long a worker may take to start and say HELLO (default 60 s). */
    public B startupTimeout(Duration timeout) {
        this.startupTimeout = Checks.positive("startupTimeout", timeout);
        return self();
    }

    /** How long close() waits for queued and running tasks before it stops them (default 30 s). */
    public B shutdownTimeout(Duration timeout) {
        this.shutdownTimeout = Checks.positive("shutdownTimeout", timeout);
        return self();
    }

    /** The largest task, result or event in bytes (1 KiB..1 GiB; default 16 MiB). */
    public B maxMessageSize(int bytes) {
        this.maxMessageSize = Checks.range("maxMessageSize", bytes, 1024, 1 << 30);
        return self();
    }

    /**
     * Sets an environment variable of the workers, over what they inherit.
     *
     * @throws IllegalArgumentException for an empty key, a key holding {@code =} or NUL, or a value holding NUL
     */
    public B env(String key, String value) {
        Checks.envEntry(key, value);
        environment.put(key, value);
        return self();
    }

    /**
     * Whether the workers start from this JVM's whole environment (default true). With false they get only what
     * {@link #env} sets, plus procpool's own {@code PROCPOOL_*} variables: no secret of the host's reaches them.
     */
    public B inheritEnvironment(boolean inherit) {
        this.inheritEnvironment = inherit;
        this.inheritedNames = null;
        return self();
    }

    /**
     * The workers inherit only these of this JVM's environment variables (those that are set), plus what
     * {@link #env} sets and procpool's own; for example {@code inheritEnvironment("PATH", "HOME", "LANG")}.
     */
    public B inheritEnvironment(String... names) {
        this.inheritedNames = WorkerEnvironment.names(names);
        this.inheritEnvironment = true;
        return self();
    }

    /** The workers' working directory (default: this JVM's); it must exist when {@code build()} runs. */
    public B directory(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        return self();
    }

    /**
     * Exports the pool's meters (docs/metrics.md) to this Micrometer registry; they are removed when the pool
     * terminates. Needs micrometer-core on the class path; a pool without a registry never loads a Micrometer class.
     */
    public B meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
        this.meterRegistry = Objects.requireNonNull(registry, "registry");
        return self();
    }

    /**
     * Takes the pool's jobs from {@code source} instead of its own bounded queue (scale-out: pool-redis makes a node
     * this way). Such a pool runs only what the source hands out: its own {@code submit} rejects.
     */
    public B jobSource(io.procpool.runtime.dispatch.JobSource source) {
        this.jobSource = Objects.requireNonNull(source, "source");
        return self();
    }

    /** The engine of the pool, with its meters bound when it has a registry. */
    PoolEngine engine(PoolConfig cfg, PoolEngine.Decoder results, PoolEngine.Decoder events) {
        PoolEngine engine = new PoolEngine(cfg, results, events, jobSource);
        if (metrics != null) {
            metrics.bind(engine::stats, engine::failed, engine.spawner()::reapedCount);
            engine.whenTerminated(metrics::remove);
        }
        return engine;
    }

    /** The sealed configuration; fails when settings contradict each other. */
    PoolConfig config(WorkerKind kind, List<String> command, List<String> allowlist, ClassDataSharing cds) {
        if (minWorkers > maxWorkers) {
            throw new IllegalArgumentException("minWorkers (" + minWorkers + ") must not be above maxWorkers ("
                    + maxWorkers + "); " + (maxWorkersSet ? "lower minWorkers or raise maxWorkers"
                    : "set maxWorkers too"));
        }
        Checks.notBelow("maxSpares", maxSpares < 0 ? spares : maxSpares, "spares", spares);
        if (directory != null && !java.nio.file.Files.isDirectory(directory)) {
            throw new IllegalArgumentException("directory " + directory.toAbsolutePath() + (java.nio.file.Files.exists(
                    directory) ? " is not a directory" : " does not exist") + "; the workers start in it");
        }
        boolean chosen = inheritEnvironment && inheritedNames != null;  // only these names: passed, not inherited
        Map<String, String> env = chosen ? WorkerEnvironment.chosen(inheritedNames, environment) : environment;
        boolean inherit = inheritEnvironment && !chosen;
        List<PoolListener> all = new ArrayList<>(listeners);
        if (meterRegistry != null) {
            metrics = new io.procpool.runtime.metrics.PoolMetrics(
                    (io.micrometer.core.instrument.MeterRegistry) meterRegistry, name);
            all.add(metrics);
        }
        return new PoolConfig(name, minWorkers, maxWorkers, idleTimeout, capacity, prefetch, queueCapacity,
                maxQueuedBytes, queueFullPolicy, taskTimeout, maxAttempts, cancelGrace, startupTimeout, shutdownTimeout,
                maxMessageSize + 12, List.copyOf(command), Map.copyOf(env), inherit, directory, List.copyOf(allowlist),
                cds, maxTasksPerWorker, maxWorkerLifetime, maxWorkerRss, heartbeatTimeout, spares,
                Math.max(spares, maxSpares), spareNice, backoffBase, backoffMax, crashLoopRestarts, crashLoopWindow, List.copyOf(all), kind, null);
    }
}
