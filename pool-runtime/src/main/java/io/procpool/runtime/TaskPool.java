package io.procpool.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import io.procpool.ItemResult;
import io.procpool.MapOptions;
import io.procpool.RejectReason;
import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.runtime.supervise.ClassDataSharing;
import io.procpool.runtime.dispatch.PoolConfig;
import io.procpool.runtime.dispatch.PoolEngine;
import io.procpool.runtime.supervise.WorkerKind;
import io.procpool.runtime.wire.Serialization;

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
 * <p>Each worker is a separate JVM started with {@code posix_spawnp} ({@code java} from this JVM's home, the
 * application's class path by default), speaking the procpool protocol on a Unix socket. Tasks and results travel
 * Kryo-serialized. Lifecycle as in {@code java.util.concurrent}: {@link #shutdown()} drains, {@link #shutdownNow()}
 * returns what never started, {@link #close()} shuts down, waits {@code shutdownTimeout}, then stops the rest.
 * After close no worker process is left, alive or zombie.
 */
public final class TaskPool extends AbstractPool<Task<?>> {

    private final Serialization serialization;

    private TaskPool(PoolConfig config, PoolEngine engine, Serialization serialization) {
        super(config, engine);
        this.serialization = serialization;
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
        engine.checkAccepting();
        byte[] body;
        try {
            body = serialization.serialize(task, 2);  // room for the attempt number the frame carries
        } catch (RuntimeException e) {
            engine.rejected(RejectReason.INVALID);
            throw new IllegalArgumentException(config.name() + " - task of " + task.getClass().getName()
                    + " cannot be serialized: " + e.getMessage() + ". A task and everything it captures must be"
                    + " serializable by Kryo: records, classes with fields of such types, collections; a lambda must"
                    + " target io.procpool.Task and capture only such values", e);
        }
        return engine.submit(task, body, options);
    }

    /** Submits every task without waiting; the futures are in the same order. */
    public <R> List<TaskFuture<R>> submitAll(Collection<? extends Task<R>> tasks) {
        return Batch.submitAll(tasks, this::submit);
    }

    /**
     * Submits every task and waits until each has ended, as {@code ExecutorService.invokeAll} does; the futures, all
     * done, are in the same order. When interrupted, it cancels what has not ended.
     */
    public <R> List<TaskFuture<R>> invokeAll(Collection<? extends Task<R>> tasks) throws InterruptedException {
        return Batch.invokeAll(tasks, this::submit, null);
    }

    /** As {@link #invokeAll(Collection)}, but what has not ended within {@code timeout} is cancelled. */
    public <R> List<TaskFuture<R>> invokeAll(Collection<? extends Task<R>> tasks, Duration timeout)
            throws InterruptedException {
        return Batch.invokeAll(tasks, this::submit, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Runs the tasks and returns the result of one that succeeded, cancelling the rest, as
     * {@code ExecutorService.invokeAny} does.
     *
     * @throws ExecutionException when every task failed (the cause is the last failure)
     */
    public <R> R invokeAny(Collection<? extends Task<R>> tasks) throws InterruptedException, ExecutionException {
        try {
            return Batch.invokeAny(tasks, this::submit, null);
        } catch (TimeoutException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** As {@link #invokeAny(Collection)}, failing with {@link TimeoutException} when none succeeded in time. */
    public <R> R invokeAny(Collection<? extends Task<R>> tasks, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        return Batch.invokeAny(tasks, this::submit, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Runs the tasks and streams their results in input order (see {@link #map(Stream, MapOptions)}).
     */
    public <R> Stream<R> map(Iterable<? extends Task<R>> tasks) {
        return map(tasks.iterator());
    }

    /** Runs the tasks and streams their results in input order (see {@link #map(Stream, MapOptions)}). */
    public <R> Stream<R> map(Iterator<? extends Task<R>> tasks) {
        return Streaming.values(config, tasks, this::submit, MapOptions.DEFAULTS, () -> { });
    }

    /** Runs the tasks and streams their results in input order (see {@link #map(Stream, MapOptions)}). */
    public <R> Stream<R> map(Stream<? extends Task<R>> tasks) {
        return map(tasks, MapOptions.DEFAULTS);
    }

    /**
     * Runs the tasks and streams their results, in input order or as they complete ({@link MapOptions}), with at
     * most {@code options.inFlight()} tasks submitted and not yet consumed: the input is read lazily as results are
     * taken, on the consuming thread, so a batch of any length runs in constant memory. The first failure is thrown
     * at its item (the {@link io.procpool.TaskFailedException} and the like a future's {@code get()} would give as
     * its cause) and the tasks in flight are cancelled; {@link #mapResults} carries on past failures instead. Close
     * the stream (try-with-resources) to cancel what is in flight when you stop early; it closes {@code tasks}.
     *
     * @throws io.procpool.TaskRejectedException from the stream when the pool is shut down or its queue is full
     */
    public <R> Stream<R> map(Stream<? extends Task<R>> tasks, MapOptions options) {
        return Streaming.values(config, tasks.iterator(), this::submit, options, tasks::close);
    }

    /**
     * As {@link #map(Stream, MapOptions)}, but each item's outcome, success or failure, is a value: the stream never
     * throws a task's failure, and a task that cannot be serialized fails its item alone.
     */
    public <T extends Task<R>, R> Stream<ItemResult<T, R>> mapResults(Stream<T> tasks, MapOptions options) {
        return Streaming.results(config, tasks.iterator(), (T t) -> submit(t), options, tasks::close);
    }

    /**
     * Configures a {@link TaskPool}: the settings of every pool ({@link PoolBuilder}) and those of JVM workers. Every
     * setter checks its value, {@link #build()} starts the workers.
     *
     * <p>What a worker JVM gets from this JVM: the java executable (from {@code java.home}), the class path of the
     * application (derived, see {@link #classpath}), the environment and working directory (unless {@code env} or
     * {@code directory} say otherwise). What it does not get: this JVM's options ({@code -Xmx}, {@code -D},
     * {@code --add-opens}, agents) and system properties, except those forwarded with
     * {@link #forwardSystemProperties} and {@link #forwardSystemPropertiesWithPrefix}.
     */
    public static final class Builder extends PoolBuilder<Builder> {
        /**
         * The JVM options of a worker unless {@link #jvmOptions} replaces them: the serial collector, no perf data,
         * class-data sharing if possible, JIT thresholds ten times the JVM's (a cheaper start) but for the per-task
         * path, the pool's and Kryo's classes (docs/deployment.md: what the scales are, how to change them).
         */
        public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-Xshare:auto", "-XX:CompileThresholdScaling=10", "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=CompileThresholdScaling,io.procpool.runtime.*::*,0.1",
                "-XX:CompileCommand=CompileThresholdScaling,com.esotericsoftware.*::*,0.1");

        private String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        private String classpath;
        private List<String> jvmOptions = DEFAULT_JVM_OPTIONS;
        private final List<String> addedJvmOptions = new ArrayList<>();
        private final List<String> forwardedKeys = new ArrayList<>();
        private final List<String> forwardedPrefixes = new ArrayList<>();
        private final List<String> allowlist = new ArrayList<>();
        private boolean classDataSharing = true;
        private Task<?> initializer;
        private Path classDataSharingDirectory;

        private Builder() {
        }

        /**
         * Whether workers share an archive of their classes (default true): the first worker records it when it
         * exits, later ones start faster. On a JDK 25+ {@link #javaCommand}, an AOT cache (classes linked, method
         * profiles; {@code -Xshare:auto} is left out); else a dynamic AppCDS archive. Only when the class path is all
         * jars. Checked before use (digest, owner, permissions, a trial start); one that fails is recorded anew.
         */
        public Builder classDataSharing(boolean enabled) {
            this.classDataSharing = enabled;
            return this;
        }

        /**
         * A task each worker runs once before it is ready (before its HELLO), in every worker the pool starts:
         * replacements after a crash, successors, spares, workers added by resize. What it returns is that worker's
         * state, which every task it runs reaches with {@code TaskContext.current().workerState()}: a loaded model,
         * a connection, caches, a JIT warmed on your hot path. Its time counts against {@code startupTimeout}. If it
         * throws, the worker fails to start with its error (the last line of its stderr, which the failure quotes):
         * {@link #build()} fails with it; later, a replacement that fails counts toward the crash-loop breaker.
         *
         * @throws IllegalArgumentException at {@link #build()} when it cannot be serialized
         */
        public Builder initializer(Task<?> initializer) {
            this.initializer = Objects.requireNonNull(initializer, "initializer");
            return this;
        }

        /**
         * Where class-data sharing archives are kept (default {@code $XDG_CACHE_HOME/procpool/cds}, or
         * {@code ~/.cache/procpool/cds}). Created 0700; refused when owned by another user or writable by others.
         */
        public Builder classDataSharingDirectory(Path directory) {
            this.classDataSharingDirectory = Objects.requireNonNull(directory, "classDataSharingDirectory");
            return this;
        }

        /**
         * The java executable of the workers (default: this JVM's; a newer JDK may start them on less CPU, see
         * {@link #classDataSharing}); a path with a slash is made absolute.
         */
        public Builder javaCommand(String java) {
            Objects.requireNonNull(java, "javaCommand");
            if (java.isBlank()) {
                throw new IllegalArgumentException("javaCommand must not be blank");
            }
            this.javaCommand = java.contains("/") ? Path.of(java).toAbsolutePath().toString() : java;
            return this;
        }

        /**
         * The workers' class path, overriding the one derived from the application; relative entries are made
         * absolute against this JVM's working directory. It must hold procpool, its dependencies and every task
         * class. By default the class path comes from the class loader that loaded procpool: Spring Boot's
         * launcher for an executable Boot jar, the URLs of a {@code URLClassLoader} (e.g. {@code mvn exec:java}),
         * else {@code java.class.path}.
         */
        public Builder classpath(String classpath) {
            Objects.requireNonNull(classpath, "classpath");
            if (classpath.isBlank()) {
                throw new IllegalArgumentException("classpath must not be blank");
            }
            this.classpath = classpath;
            return this;
        }

        /**
         * The workers' JVM options, replacing the defaults ({@link #DEFAULT_JVM_OPTIONS}) and the default heap; the
         * options procpool needs (see {@link #addJvmOptions}) are still added.
         */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions = checkedOptions("jvmOptions", options);
            return this;
        }

        /**
         * Adds JVM options after the defaults, e.g. {@code addJvmOptions("-Xmx512m")}. A worker's maximum heap is,
         * unless an option sets it ({@code -Xmx}, {@code -XX:MaxHeapSize}, {@code -XX:MaxRAMPercentage}), the default
         * heap of one JVM (a quarter of the machine's or container's memory) divided by {@code maxWorkers + maxSpares},
         * at least 64 MiB: all workers together take no more than one JVM would.
         */
        public Builder addJvmOptions(String... options) {
            addedJvmOptions.addAll(checkedOptions("addJvmOptions", List.of(options)));
            return this;
        }

        /** Gives the workers this JVM's value of each named system property that is set (at {@code build()}). */
        public Builder forwardSystemProperties(String... keys) {
            for (String k : keys) {
                Objects.requireNonNull(k, "forwardSystemProperties");
                if (k.isBlank() || k.contains("=") || WorkerJvm.neverForwarded(k)) {
                    throw new IllegalArgumentException("forwardSystemProperties: '" + k + "' cannot be forwarded"
                            + (k.isBlank() || k.contains("=") ? " (a key, without '=')"
                            : " (the worker JVM sets it itself)"));
                }
                forwardedKeys.add(k);
            }
            return this;
        }

        /**
         * Gives the workers every system property of this JVM whose key starts with one of {@code prefixes} (at
         * {@code build()}), except those the worker JVM sets itself ({@code java.home}, {@code user.dir}, ...).
         */
        public Builder forwardSystemPropertiesWithPrefix(String... prefixes) {
            for (String p : prefixes) {
                Objects.requireNonNull(p, "forwardSystemPropertiesWithPrefix");
                if (p.isBlank() || p.contains("=")) {
                    throw new IllegalArgumentException("forwardSystemPropertiesWithPrefix: '" + p
                            + "' is not a key prefix");
                }
                forwardedPrefixes.add(p);
            }
            return this;
        }

        private static List<String> checkedOptions(String field, List<String> options) {
            Objects.requireNonNull(options, field);
            for (String o : options) {
                Objects.requireNonNull(o, field);
                if (!o.startsWith("-") || o.isBlank()) {
                    throw new IllegalArgumentException(field + ": '" + o + "' is not a JVM option (options start"
                            + " with '-')");
                }
                if (List.of("-cp", "-classpath", "--class-path", "-jar").contains(o) || o.startsWith("--class-path=")) {
                    throw new IllegalArgumentException(field + ": '" + o + "' is not allowed; set the class path"
                            + " with classpath(...)");
                }
            }
            return List.copyOf(options);
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
         * @throws IllegalStateException         when no class path holding procpool can be derived (set
         *                                       {@link #classpath})
         * @throws io.procpool.PoolFailedException when a worker cannot start (the message has its stderr)
         */
        public TaskPool build() {
            ClassLoader loader = WorkerClasspath.applicationLoader();
            WorkerClasspath cp;
            try {
                cp = classpath != null ? WorkerClasspath.explicit(classpath)
                        : WorkerClasspath.derive(loader, System.getProperty("java.class.path", ""));
            } catch (IllegalStateException e) {
                throw new IllegalStateException(name + " - " + e.getMessage(), e);
            }
            int feature = WorkerJvm.featureVersion(javaCommand);
            List<String> options = new ArrayList<>(jvmOptions);
            options.addAll(addedJvmOptions);
            options = classDataSharing ? ClassDataSharing.compatible(options, feature) : options;
            List<String> command = new ArrayList<>();
            command.add(javaCommand);
            command.addAll(WorkerJvm.required(feature));
            if (jvmOptions == DEFAULT_JVM_OPTIONS && !WorkerJvm.setsHeap(options)) {
                int processes = maxWorkers + Math.max(spares, maxSpares);
                command.add("-Xmx" + WorkerJvm.defaultHeapMiB(WorkerJvm.totalMemory(), processes) + "m");
            }
            command.addAll(options);
            command.addAll(WorkerJvm.forwarded(System.getProperties(), forwardedKeys, forwardedPrefixes));
            command.add("-Dprocpool.capacity=" + capacity);
            if (heartbeatTimeout != null) {
                command.add("-Dprocpool.heartbeatMillis=" + Math.max(10, heartbeatTimeout.toMillis() / 3));
            }
            command.add("-Dprocpool.maxFrame=" + (maxMessageSize + 12));
            command.add("-Dprocpool.endGraceMillis=" + shutdownTimeout.toMillis());  // EndGrace
            Serialization serialization = new Serialization(allowlist, loader);
            byte[] init = initializer == null ? null
                    : WorkerJvm.initializerBody(name, initializer, serialization, maxMessageSize);
            if (init != null) {
                command.add("-Dprocpool.init=true");
            }
            if (!allowlist.isEmpty()) {
                command.add("-Dprocpool.allow=" + String.join(",", allowlist));
            }
            command.add("-cp");
            command.add(cp.classpath());
            command.addAll(cp.launch());
            PoolConfig cfg = config(WorkerKind.JVM, command, allowlist, classDataSharing
                    ? ClassDataSharing.forWorkers(classDataSharingDirectory != null ? classDataSharingDirectory
                    : ClassDataSharing.defaultDirectory(), command, cp.classpath(), feature) : null);
            PoolEngine engine = engine(cfg, b -> serialization.deserialize(b, 0, b.length),
                    b -> serialization.deserialize(b, 0, b.length));
            if (init != null) {
                engine.initializer(init);
            }
            engine.start();
            return new TaskPool(cfg, engine, serialization);
        }
    }
}
