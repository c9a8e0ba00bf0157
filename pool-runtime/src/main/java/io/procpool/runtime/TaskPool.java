package io.procpool.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import io.procpool.RejectReason;
import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.runtime.dispatch.ClassDataSharing;
import io.procpool.runtime.dispatch.PoolConfig;
import io.procpool.runtime.dispatch.PoolEngine;
import io.procpool.runtime.dispatch.WorkerKind;
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
     * Configures a {@link TaskPool}: the settings of every pool ({@link PoolBuilder}) and those of JVM workers. Every
     * setter checks its value, {@link #build()} starts the workers.
     */
    public static final class Builder extends PoolBuilder<Builder> {
        public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-Xshare:auto");

        private String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        private String classpath = System.getProperty("java.class.path");
        private List<String> jvmOptions = DEFAULT_JVM_OPTIONS;
        private final List<String> allowlist = new ArrayList<>();
        private boolean classDataSharing = true;
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

        /** Where class-data sharing archives are kept. */
        public Builder classDataSharingDirectory(Path directory) {
            this.classDataSharingDirectory = Objects.requireNonNull(directory, "directory");
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
            PoolConfig cfg = config(WorkerKind.JVM, command, allowlist, classDataSharing
                    ? ClassDataSharing.forWorkers(classDataSharingDirectory, javaCommand, jvmOptions, classpath) : null);
            Serialization serialization = new Serialization(allowlist, Thread.currentThread().getContextClassLoader()
                    != null ? Thread.currentThread().getContextClassLoader() : TaskPool.class.getClassLoader());
            PoolEngine engine = engine(cfg, b -> serialization.deserialize(b, 0, b.length),
                    b -> serialization.deserialize(b, 0, b.length));
            engine.start();
            return new TaskPool(cfg, engine, serialization);
        }
    }
}
