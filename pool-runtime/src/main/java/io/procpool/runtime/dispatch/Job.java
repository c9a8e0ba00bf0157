package io.procpool.runtime.dispatch;

import java.time.Duration;

import io.procpool.TaskFuture;

/**
 * A task on its way: its bytes, its future, its attempts, where its outcome goes, and (when sent) its worker. Made by
 * {@code PoolEngine.submit} for the in-memory queue, or by a {@link JobSource} for jobs from elsewhere.
 */
public final class Job extends Ordered {

    final long id;
    final Object task;  // what the caller submitted: a Task, or an ExecPool input
    /**
     * The encoded task; I/O thread. Dropped once the job is answered ({@link #answered}): a caller keeps its futures
     * (and so their jobs) as long as it likes, and a copy of every task's payload must not live as long.
     */
    byte[] body;
    final JobFuture<?> future;
    final Duration timeout;
    final int maxAttempts;
    /** Where its outcome goes (in the completion step, {@link Completions}). */
    final JobSink sink;
    int attempt;
    // I/O thread only (the completer reads them after the hand-off)
    /** When it entered the queue, or went back to it. */
    long queuedNanos = System.nanoTime();
    /** When it was last sent to a worker; 0 if never. */
    long sentNanos;
    /** When its answer came (or the pool decided its outcome). */
    long endNanos;
    Worker worker;
    io.procpool.runtime.process.Timeout timer;
    boolean cancelSent;
    /** Its worker said STARTED for it (workers that report it): it ran, so a crash now uses an attempt. */
    boolean started;
    /** How often a worker died holding it, as its oldest task, having started nothing: see PoolEngine. */
    int unstartedDeaths;
    /** The pool has decided its outcome (timeout, cancel, failure): its future completes soon, if not yet. */
    boolean settled;
    /** A job from another source: the engine that took it (its cancel ladder, its counts), null before. */
    volatile PoolEngine engine;
    /** 1 once its end was reported to the listeners: exactly once, whichever of completer and cancel comes first. */
    private volatile int ended;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Job> ENDED =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Job.class, "ended");

    Job(long id, Object task, byte[] body, JobFuture<?> future, Duration timeout, int maxAttempts, int attempt,
        JobSink sink) {
        this.id = id;
        this.task = task;
        this.body = body;
        this.future = future;
        this.timeout = timeout;
        this.maxAttempts = maxAttempts;
        this.attempt = attempt;
        this.sink = sink;
    }

    /**
     * A job from a {@link JobSource} other than the pool's own queue: nobody local waits on its future, its outcome
     * goes to {@code sink}. Its {@code id} must be unique among the pool's jobs in flight.
     *
     * @param body    the encoded task, with 2 bytes reserved in front for the attempt number
     * @param timeout its timeout, or null for none
     * @param attempt its attempt number so far (1 for a first run; a redelivery count for a remote queue)
     * @throws IllegalArgumentException if {@code body} is null or shorter than the 2 reserved bytes (the engine
     *         writes the attempt there when it sends the job: a shorter body would fail on its I/O thread, with the
     *         job already on a worker's credit)
     */
    public Job(long id, Object task, byte[] body, Duration timeout, int maxAttempts, int attempt, JobSink sink) {
        this(id, task, checked(id, body), new JobFuture<>(id, Job::cancelled), timeout, maxAttempts, attempt,
                new SourceSink(sink));
        future.job = this;
    }

    private static byte[] checked(long id, byte[] body) {
        if (body == null || body.length < 2) {
            throw new IllegalArgumentException("job " + id + ": body must start with the 2 bytes reserved for the"
                    + " attempt, was " + (body == null ? "null" : body.length + " byte(s)"));
        }
        return body;
    }

    /** A source job's future was cancelled: the ladder stops it if the engine has it; else the source still does. */
    private static void cancelled(TaskFuture<?> f, boolean mayInterrupt) {
        Job j = ((JobFuture<?>) f).job;
        PoolEngine e = j == null ? null : j.engine;
        if (e != null) {
            e.cancels.onCancel(f, mayInterrupt);
        }
    }

    /**
     * Any thread: stops this job as {@code cancel(true)} on a local task's future does (a job not handed out yet is
     * dropped, a running one gets CANCEL, then its worker is killed past cancelGrace); its sink is not told. For a
     * source whose jobs are cancelled elsewhere (a remote submitter). False when its outcome was decided first.
     */
    public boolean cancel() {
        return future.cancel(true);
    }

    public long id() {
        return id;
    }

    /** I/O thread: a worker answered it; it is never sent again. */
    void answered() {
        body = null;
    }

    /** I/O thread: its attempt number (1 on its first run). */
    public int attempt() {
        return attempt;
    }

    @Override
    boolean settled() {
        return future.isDone();
    }

    /** Whether the caller is the one to report this job's end (true once). */
    boolean claimEnd() {
        return ENDED.compareAndSet(this, 0, 1);
    }

    /** The pool's future of a job: knows its job, so that a cancel finds it. */
    static final class JobFuture<R> extends TaskFuture<R> {
        Job job;

        JobFuture(long id, Canceller canceller) {
            super(id, canceller);
        }

        /** Fails when the pool decided the outcome first: what the listeners heard is what the future says. */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            Job j = job;
            if (j != null && !j.claimEnd()) {
                return false;
            }
            return super.cancel(mayInterruptIfRunning);
        }

        /** orTimeout: as a cancel, it claims the end first. */
        @Override
        protected boolean stop(Throwable failure) {
            Job j = job;
            if (j != null && !j.claimEnd()) {
                return false;
            }
            return super.stop(failure);
        }

        @SuppressWarnings("unchecked")
        boolean succeed(Object value) {
            return completeByPool((R) value);
        }

        boolean fail(Throwable failure) {
            return failByPool(failure);
        }
    }
}
