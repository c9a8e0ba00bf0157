package io.procpool.redis;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.RedisClient;
import io.procpool.Task;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.TaskTimeoutException;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.wire.Serialization;

/**
 * Submits tasks to a pool's nodes through Redis, with the same {@code submit} as a local {@code TaskPool}: each call
 * gives a {@link TaskFuture}, completed from this submitter's reply stream with the task's result, or failed with the
 * same exceptions as a local pool's ({@link TaskFailedException}, {@link TaskTimeoutException},
 * {@link WorkerCrashedException} for a task dead-lettered after maxAttempts). Futures complete on this submitter's own
 * completer thread, never on the thread that reads Redis.
 *
 * <p>{@code cancel(true)} or {@code orTimeout} on a future stops the task: its entry is deleted (no node runs it from
 * then on) and the node that holds it stops it, as a local pool does (CANCEL, then its worker is killed past
 * cancelGrace). Progress events ({@code TaskContext.emit}) reach {@link TaskFuture#onEvent} listeners in order, all
 * before the future completes.
 */
public final class RedisSubmitter implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisSubmitter.class);

    private final String pool;
    private final Submitter submitter;
    private final Serialization serialization;
    private final int defaultMaxAttempts;
    private final ExecutorService completer;
    private final AtomicLong ids = new AtomicLong();
    private volatile Recorder recorder = Recorder.NONE;
    private volatile AutoCloseable metrics;

    /** Where a submitter's meters hear of its tasks ({@code SubmitterMetrics}); does nothing without a registry. */
    interface Recorder {
        Recorder NONE = new Recorder() {
        };

        default void submitted() {
        }

        /** A task's future completed, {@code nanos} after its submit. */
        default void ended(io.procpool.TaskOutcome outcome, long nanos) {
        }
    }

    /**
     * @param maxOutstanding     tasks that may be unanswered at once; {@code submit} waits for room (or rejects with
     *                           {@code rejectWhenFull})
     * @param defaultMaxAttempts deliveries a task may use unless its options say otherwise
     * @param allowlist          the classes allowed to travel, as the nodes' workers have it (empty for any)
     */
    public RedisSubmitter(RedisClient client, String pool, int maxOutstanding, boolean rejectWhenFull,
                          int defaultMaxAttempts, List<String> allowlist) {
        if (defaultMaxAttempts < 1 || defaultMaxAttempts > 100) {
            throw new IllegalArgumentException("defaultMaxAttempts must be 1..100, was " + defaultMaxAttempts);
        }
        this.pool = pool;
        this.defaultMaxAttempts = defaultMaxAttempts;
        this.serialization = new Serialization(allowlist, RedisSubmitter.class.getClassLoader());
        this.completer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "procpool-redis-completer-" + pool);
            t.setDaemon(true);
            return t;
        });
        this.submitter = new Submitter(client, new StreamLayout(pool), maxOutstanding, rejectWhenFull,
                Duration.ofSeconds(1), new QueueCounters());
    }

    public <R> TaskFuture<R> submit(Task<R> task) throws InterruptedException {
        return submit(task, TaskOptions.DEFAULTS);
    }

    /**
     * Submits a task to whichever node takes it first.
     *
     * @throws IllegalArgumentException when the task cannot be serialized
     * @throws io.procpool.TaskRejectedException when closed, or full with {@code rejectWhenFull}
     */
    public <R> TaskFuture<R> submit(Task<R> task, TaskOptions options) throws InterruptedException {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(options, "options");
        byte[] body;
        try {
            body = serialization.serialize(task, 2);  // room for the attempt number the frame carries
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(pool + " - task of " + task.getClass().getName()
                    + " cannot be serialized: " + e.getMessage(), e);
        }
        int attempts = options.maxAttempts() != 0 ? options.maxAttempts() : defaultMaxAttempts;
        long started = System.nanoTime();
        long id = ids.incrementAndGet();
        String taskId = submitter.newTaskId();
        RemoteFuture<R> f = new RemoteFuture<>(id, taskId, submitter);
        Submitter.Added added = submitter.add(taskId, body, attempts, options.timeout(),
                event -> completing(() -> f.event(event)));
        Recorder r = recorder;
        r.submitted();
        f.whenComplete((v, t) -> r.ended(outcome(t), System.nanoTime() - started));
        added.future().whenCompleteAsync((reply, error) -> f.settle(reply, error, options.timeout()),
                this::completing);
        return f;
    }

    /**
     * Runs {@code r} on the completer thread, or here once {@link #close()} has stopped that thread: a task added just
     * before the close still gets its future failed (by the close), not left pending by a rejected hand-off.
     */
    private void completing(Runnable r) {
        try {
            completer.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            r.run();
        }
    }

    /**
     * Exports this submitter's meters to {@code registry} ({@code procpool.redis.submitter.*}: outstanding, submitted,
     * roundtrip by outcome; tag {@code pool}), for the tasks submitted from now on; removed at {@link #close()}.
     * Needs micrometer-core.
     */
    public RedisSubmitter meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (this) {
            if (metrics != null) {
                throw new IllegalStateException(pool + " - the submitter's meters are bound already");
            }
            SubmitterMetrics m = new SubmitterMetrics(registry, pool, this);
            metrics = m;
            recorder = m;
        }
        return this;
    }

    /** As a local pool counts it: orTimeout stops the task as a cancel does. */
    private static io.procpool.TaskOutcome outcome(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        return c instanceof java.util.concurrent.TimeoutException ? io.procpool.TaskOutcome.CANCELLED
                : io.procpool.TaskOutcome.of(c);
    }

    /** How many tasks wait for their reply. */
    public int outstanding() {
        return submitter.outstanding();
    }

    public QueueCounters counters() {
        return submitter.counters();
    }

    /** Stops reading replies: the futures still waiting fail. */
    @Override
    public void close() {
        submitter.close();
        AutoCloseable m = metrics;
        if (m != null) {
            recorder = Recorder.NONE;
            try {
                m.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        completer.shutdown();
        try {
            completer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A future completed from a reply. */
    private final class RemoteFuture<R> extends TaskFuture<R> {
        private final String taskId;

        RemoteFuture(long id, String taskId, Submitter submitter) {
            super(id, (f, interrupt) -> submitter.cancel(taskId));
            this.taskId = taskId;
        }

        /** Completer thread, in order: a progress event for the future's listeners. */
        void event(Reply r) {
            Object value;
            try {
                value = serialization.deserialize(r.body(), 0, r.body().length);
            } catch (Throwable e) {  // the bytes come from Redis: an Error while decoding them is theirs too
                LOG.warn("{} - an event of task {} cannot be deserialized here; dropped: {}", pool, taskId,
                        e.toString());
                return;
            }
            fireEvent(value);
        }

        @SuppressWarnings("unchecked")
        void settle(Reply r, Throwable error, Duration timeout) {
            if (error != null) {
                failByPool(error);
                return;
            }
            String what = pool + " - task " + taskId;
            switch (r.outcome()) {
                case OK -> {
                    Object value;
                    try {
                        value = serialization.deserialize(r.body(), 0, r.body().length);
                    } catch (Throwable e) {
                        // any Throwable, as a local pool's decoding: an Error here (a static initializer that
                        // throws, an OutOfMemoryError) would otherwise leave the future pending for ever
                        failByPool(new TaskFailedException(what + ": its result cannot be deserialized here: " + e,
                                e.getClass().getName(), e.getMessage(), ""));
                        return;
                    }
                    completeByPool((R) value);
                }
                case FAILED -> failByPool(new TaskFailedException(what + " failed (attempt " + r.attempt() + "): "
                        + r.errorClass() + ": " + r.errorMessage(), r.errorClass(), r.errorMessage(), r.errorStack()));
                case TIMEOUT -> failByPool(new TaskTimeoutException(what + " timed out: " + r.errorMessage(),
                        timeout));
                case DEAD -> failByPool(new WorkerCrashedException(what + " was dead-lettered after "
                        + r.attempt() + " attempts: " + r.errorMessage(), null, (int) r.attempt(), List.of()));
                case CANCELLED -> failByPool(new CancellationException(what + " was cancelled on its node"));
                default -> throw new IllegalStateException(r.outcome().toString());
            }
        }
    }
}
