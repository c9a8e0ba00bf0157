package io.procpool.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.procpool.PoolListener;
import io.procpool.PoolStats;
import io.procpool.QueueFullPolicy;
import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.runtime.dispatch.ClassDataSharing;
import io.procpool.runtime.dispatch.PoolConfig;
import io.procpool.runtime.dispatch.PoolEngine;
import io.procpool.runtime.wire.Serialization;
import io.procpool.runtime.worker.WorkerMain;

/**
 * A pool of worker JVMs that run {@link Task}s: {@code pool.submit(task)} returns a future of the task's result.
 *
 * <pre>{@code
 * try (TaskPool pool = TaskPool.builder().name("thumbs").workers(4).build()) {
 *     TaskFuture<Integer> words = pool.submit(() -> countWords(path));   // a lambda is a task
 *     TaskFuture<Report> report = pool.submit(new BuildReport(day));     // so is a record or a class
 * }
 * }</pre>
 *
 * <p>Each worker is a separate JVM started with {@code posix_spawnp} ({@code java} from this JVM's home, this
 * JVM's class path by default), speaking the procpool protocol on a Unix socket. Tasks and results travel
 * Kryo-serialized. Lifecycle as in {@code java.util.concurrent}: {@link #shutdown()} drains, {@link #shutdownNow()}
 * returns what never started, {@link #close()} shuts down, waits {@code shutdownTimeout}, then stops the rest.
 * After close no worker process is left, alive or zombie.
 */
public final class TaskPool implements AutoCloseable {

    private final PoolConfig config;
    private final PoolEngine engine;

    private TaskPool(PoolConfig config, PoolEngine engine) {
        this.config = config;
        this.engine = engine;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Submits a task with the pool's default timeout and attempts. */
    public <R> TaskFuture<R> submit(Task<R> task) {
        return submit(task, TaskOptions.DEFAULTS);
    }

    /**
     * Submits a task.
     *
     * @throws NullPointerException         for a null task
     * @throws IllegalArgumentException     when the task cannot be serialized (nothing reached a worker)
     * @throws io.procpool.TaskRejectedException when the queue is full (REJECT policy) or the pool is shut down
     * @throws io.procpool.PoolFailedException   when the pool can no longer start workers
     */
    public <R> TaskFuture<R> submit(Task<R> task, TaskOptions options) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(options, "options");
        try {
            return engine.submit(task, options);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.procpool.TaskRejectedException(config.name() + " - interrupted while waiting for room in the queue");
        }
    }

    /** Submits every task; the futures are in the same order. */
    public <R> List<TaskFuture<R>> invokeAll(Collection<? extends Task<R>> tasks) {
        List<TaskFuture<R>> out = new ArrayList<>(tasks.size());
        for (Task<R> t : tasks) {
            out.add(submit(t));
        }
        return out;
    }

    /** Takes no new task; queued and running ones finish, then the workers exit. Idempotent. */
    public void shutdown() {
        engine.shutdown();
    }

    /** Cancels queued and running tasks, kills the workers; returns the tasks that never started. */
    public List<Task<?>> shutdownNow() {
        return engine.shutdownNow();
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return engine.awaitTermination(timeout);
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

    /** Shutdown, wait up to {@code shutdownTimeout}, then shutdownNow; returns when every worker is reaped. */
    @Override
    public void close() {
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
        return "TaskPool[" + config.name() + ", " + stats() + "]";
    }

    /** Configures a {@link TaskPool}; every setter checks its value, {@link #build()} starts the workers. */
    public static final class Builder {
        public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
        public static final int DEFAULT_MAX_ATTEMPTS = 2;
        public static final Duration DEFAULT_CANCEL_GRACE = Duration.ofSeconds(2);
        public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
        public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
        public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-Xshare:auto");

        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
        public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofMillis(100);
        public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(10);
        public static final int DEFAULT_CRASH_LOOP_RESTARTS = 10;
        public static final Duration DEFAULT_CRASH_LOOP_WINDOW = Duration.ofMinutes(1);

        private String name = "pool";
        private int minWorkers = Runtime.getRuntime().availableProcessors();
        private int maxWorkers = minWorkers;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration backoffBase = DEFAULT_BACKOFF_BASE;
        private Duration backoffMax = DEFAULT_BACKOFF_MAX;
        private int crashLoopRestarts = DEFAULT_CRASH_LOOP_RESTARTS;
        private Duration crashLoopWindow = DEFAULT_CRASH_LOOP_WINDOW;
        private final List<PoolListener> listeners = new ArrayList<>();
        private boolean maxWorkersSet;
        private int capacity = 1;
        private int prefetch = 0;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private QueueFullPolicy queueFullPolicy = QueueFullPolicy.WAIT;
        private Duration taskTimeout;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration cancelGrace = DEFAULT_CANCEL_GRACE;
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private int maxMessageSize = 16 << 20;
        private String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        private String classpath = System.getProperty("java.class.path");
        private List<String> jvmOptions = DEFAULT_JVM_OPTIONS;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path directory;
        private final List<String> allowlist = new ArrayList<>();
        private boolean classDataSharing = true;
        private int maxTasksPerWorker;
        private Duration maxWorkerLifetime;
        private long maxWorkerRss;
        private Duration heartbeatTimeout;
        private int spares;
        private Path classDataSharingDirectory = ClassDataSharing.defaultDirectory();

        private Builder() {
        }

        /**
         * Whether workers share an AppCDS archive of their classes (default true): the first worker records it
         * when it exits, later ones start faster. Only when the class path is all jars; kept in
         * {@code ~/.cache/procpool/cds} unless {@link #classDataSharingDirectory} says otherwise.
         */
        public Builder classDataSharing(boolean enabled) {
            this.classDataSharing = enabled;
            return this;
        }

        /**
         * Retires a worker after this many tasks, give or take 10 % so that workers do not all retire together
         * (0, the default: never). Its successor is started first and takes over once ready: capacity does not dip.
         */
        public Builder maxTasksPerWorker(int tasks) {
            this.maxTasksPerWorker = range("maxTasksPerWorker", tasks, 0, Integer.MAX_VALUE);
            return this;
        }

        /** Retires a worker once it has lived this long, give or take 10 % (default: never). */
        public Builder maxWorkerLifetime(Duration lifetime) {
            this.maxWorkerLifetime = positive("maxWorkerLifetime", lifetime);
            return this;
        }

        /**
         * Retires a worker whose resident memory (VmRSS, read from /proc between tasks, at most every 100 ms) is
         * above this many bytes (default 0: no limit; at least 1 MiB). For tasks that leak.
         */
        public Builder maxWorkerRss(long bytes) {
            if (bytes != 0 && bytes < (1 << 20)) {
                throw new IllegalArgumentException("maxWorkerRss must be 0 (no limit) or at least 1048576 bytes, was "
                        + bytes);
            }
            this.maxWorkerRss = bytes;
            return this;
        }

        /**
         * Detects hung workers: each worker sends a heartbeat every third of this; one silent for longer (frozen,
         * stopped, swapped out, deadlocked in the JVM) is killed and replaced, and its task retried (default: off).
         * A task that merely runs long is the business of {@link #taskTimeout}.
         */
        public Builder heartbeatTimeout(Duration timeout) {
            Duration t = positive("heartbeatTimeout", timeout);
            if (t.toMillis() < 30) {
                throw new IllegalArgumentException("heartbeatTimeout must be at least 30 ms, was " + t);
            }
            this.heartbeatTimeout = t;
            return this;
        }

        /**
         * Keeps this many warm spares (0..16; default 0): started, ready workers that run nothing until a worker
         * dies, then take its place at once — recovery without waiting for a JVM to start.
         */
        public Builder spares(int spares) {
            this.spares = range("spares", spares, 0, 16);
            return this;
        }

        /** Where class-data sharing archives are kept. */
        public Builder classDataSharingDirectory(Path directory) {
            this.classDataSharingDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** The name in logs, messages, thread names and the workers' argv[0] ({@code procpool:<name>:<n>}). */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("name must be 1..64 of A-Z a-z 0-9 . _ -, was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** How many worker JVMs (1..1024; default: the number of processors): a fixed-size pool. */
        public Builder workers(int workers) {
            this.minWorkers = range("workers", workers, 1, 1024);
            this.maxWorkers = workers;
            return this;
        }

        /**
         * The fewest workers of a dynamically sized pool (0..1024): they run however idle. With 0 the pool still
         * starts one, to prove the worker command works, and lets it go when idle. See {@link #maxWorkers}.
         */
        public Builder minWorkers(int workers) {
            this.minWorkers = range("minWorkers", workers, 0, 1024);
            return this;
        }

        /**
         * The most workers of a dynamically sized pool (1..1024): more are started while tasks wait and every
         * worker is full; those idle for longer than {@link #idleTimeout} stop again, down to {@link #minWorkers}.
         */
        public Builder maxWorkers(int workers) {
            this.maxWorkers = range("maxWorkers", workers, 1, 1024);
            maxWorkersSet = true;
            return this;
        }

        /** How long a worker above minWorkers may stay idle before it stops (default 60 s). */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive("idleTimeout", timeout);
            return this;
        }

        /**
         * The back-off before a worker slot is restarted after a worker died without doing any work (a failed start,
         * or dead before its first task): {@code base}, doubling with each such death in a row, at most {@code max},
         * each time times a random 0.5..1 (defaults 100 ms and 10 s). A worker that did a task, or lived 10 s,
         * resets it; its death is followed by a restart at once.
         */
        public Builder restartBackoff(Duration base, Duration max) {
            this.backoffBase = positive("restartBackoff base", base);
            this.backoffMax = positive("restartBackoff max", max);
            if (max.compareTo(base) < 0) {
                throw new IllegalArgumentException("restartBackoff max must be at least base, was base " + base
                        + ", max " + max);
            }
            return this;
        }

        /**
         * The crash-loop breaker: when more than {@code restarts} workers die without doing any work within
         * {@code window} (defaults 10 in 1 minute), the pool fails: queued and new tasks fail at once with a
         * {@link io.procpool.PoolFailedException} naming the last crash, listeners hear {@code poolFailed}. Workers
         * that die after doing work never count: a steady rate of crashing tasks does not trip it.
         */
        public Builder crashLoopLimit(int restarts, Duration window) {
            this.crashLoopRestarts = range("crashLoopLimit restarts", restarts, 1, Integer.MAX_VALUE);
            this.crashLoopWindow = positive("crashLoopLimit window", window);
            return this;
        }

        /** Adds a listener of the pool's events (worker lifecycle, restarts, task start and end). */
        public Builder listener(PoolListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** How many tasks one worker runs at once, on as many threads (1..1024; default 1). */
        public Builder capacity(int capacity) {
            this.capacity = range("capacity", capacity, 1, 1024);
            return this;
        }

        /**
         * How many more tasks a worker may hold, waiting, so that it never idles between short tasks (0..1024;
         * default 0). Raise it for many small tasks; a crash sends the waiting ones back to the queue.
         */
        public Builder prefetch(int prefetch) {
            this.prefetch = range("prefetch", prefetch, 0, 1024);
            return this;
        }

        /** How many tasks may wait for a worker (1..10,000,000; default 10,000). */
        public Builder queueCapacity(int capacity) {
            this.queueCapacity = range("queueCapacity", capacity, 1, 10_000_000);
            return this;
        }

        /** What submit does when the queue is full: WAIT (default) or REJECT. */
        public Builder queueFullPolicy(QueueFullPolicy policy) {
            this.queueFullPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Default timeout of every task, counted from when it is sent to a worker (default: none). */
        public Builder taskTimeout(Duration timeout) {
            this.taskTimeout = positive("taskTimeout", timeout);
            return this;
        }

        /** How many workers may die running one task before it fails (1..100; default 2). */
        public Builder maxAttempts(int attempts) {
            this.maxAttempts = range("maxAttempts", attempts, 1, 100);
            return this;
        }

        /** How long a cancelled or timed-out task may take to stop before its worker is killed (default 2 s). */
        public Builder cancelGrace(Duration grace) {
            this.cancelGrace = positive("cancelGrace", grace);
            return this;
        }

        /** How long a worker may take to start and say HELLO (default 60 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = positive("startupTimeout", timeout);
            return this;
        }

        /** How long close() waits for queued and running tasks before it stops them (default 30 s). */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = positive("shutdownTimeout", timeout);
            return this;
        }

        /** The largest task, result or event in bytes (1 KiB..1 GiB; default 16 MiB). */
        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = range("maxMessageSize", bytes, 1024, 1 << 30);
            return this;
        }

        /** The java executable of the workers (default: this JVM's). */
        public Builder javaCommand(String java) {
            this.javaCommand = Objects.requireNonNull(java, "java");
            return this;
        }

        /** The workers' class path (default: this JVM's); it must hold procpool and every task class. */
        public Builder classpath(String classpath) {
            Objects.requireNonNull(classpath, "classpath");
            if (classpath.isBlank()) {
                throw new IllegalArgumentException("classpath must not be blank");
            }
            this.classpath = classpath;
            return this;
        }

        /** The workers' JVM options, replacing the defaults ({@link #DEFAULT_JVM_OPTIONS}). */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions = List.copyOf(options);
            return this;
        }

        /** Sets an environment variable of the workers (over the inherited environment). */
        public Builder env(String key, String value) {
            environment.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The workers' working directory (default: this JVM's). */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Allows only these classes to travel (Kryo registration required), in this order: a closed set of types.
         * Lambdas also need their capturing class listed.
         */
        public Builder allow(Class<?>... classes) {
            for (Class<?> c : classes) {
                allowlist.add(c.getName());
            }
            return this;
        }

        /**
         * Starts the workers and waits until all are ready.
         *
         * @throws IllegalArgumentException      for a combination of settings that cannot work
         * @throws io.procpool.PoolFailedException when a worker cannot start (the message has its stderr)
         */
        public TaskPool build() {
            if (minWorkers > maxWorkers) {
                throw new IllegalArgumentException("minWorkers (" + minWorkers + ") must not be above maxWorkers ("
                        + maxWorkers + "); " + (maxWorkersSet ? "lower minWorkers or raise maxWorkers"
                        : "set maxWorkers too"));
            }
            List<String> command = new ArrayList<>();
            command.add(javaCommand);
            command.add("--add-opens=java.base/java.lang.invoke=ALL-UNNAMED");  // serializable lambdas
            command.addAll(jvmOptions);
            command.add("-Dprocpool.capacity=" + capacity);
            if (heartbeatTimeout != null) {
                command.add("-Dprocpool.heartbeatMillis=" + Math.max(10, heartbeatTimeout.toMillis() / 3));
            }
            command.add("-Dprocpool.maxFrame=" + (maxMessageSize + 12));
            if (!allowlist.isEmpty()) {
                command.add("-Dprocpool.allow=" + String.join(",", allowlist));
            }
            command.add("-cp");
            command.add(classpath);
            command.add(WorkerMain.class.getName());
            PoolConfig cfg = new PoolConfig(name, minWorkers, maxWorkers, idleTimeout, capacity, prefetch, queueCapacity, queueFullPolicy,
                    taskTimeout, maxAttempts, cancelGrace, startupTimeout, shutdownTimeout, maxMessageSize + 12,
                    List.copyOf(command), Map.copyOf(environment), directory, List.copyOf(allowlist),
                    classDataSharing ? ClassDataSharing.forWorkers(classDataSharingDirectory, javaCommand, jvmOptions,
                            classpath) : null, maxTasksPerWorker, maxWorkerLifetime, maxWorkerRss, heartbeatTimeout,
                    spares, backoffBase, backoffMax, crashLoopRestarts, crashLoopWindow, List.copyOf(listeners));
            Serialization serialization = new Serialization(allowlist, Thread.currentThread().getContextClassLoader()
                    != null ? Thread.currentThread().getContextClassLoader() : TaskPool.class.getClassLoader());
            PoolEngine engine = new PoolEngine(cfg, serialization);
            try {
                engine.start();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                engine.shutdownNow();
                throw new io.procpool.PoolFailedException(name + " - interrupted while starting the workers");
            }
            return new TaskPool(cfg, engine);
        }

        private static int range(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + " must be " + min + ".." + max + ", was " + value);
            }
            return value;
        }

        private static Duration positive(String field, Duration d) {
            Objects.requireNonNull(d, field);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, was " + d);
            }
            return d;
        }
    }
}
