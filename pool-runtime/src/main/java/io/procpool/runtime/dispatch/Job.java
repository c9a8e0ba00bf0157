package io.procpool.runtime.dispatch;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;

import io.procpool.Task;
import io.procpool.TaskFuture;

/** A submitted task on its way: its bytes, its future, its attempts, and (when sent) its worker. */
final class Job {

    final long id;
    final Task<?> task;
    final byte[] body;
    final JobFuture<?> future;
    final Duration timeout;
    final int maxAttempts;
    final long submittedNanos = System.nanoTime();
    int attempt = 1;
    // I/O thread only
    PoolEngine.Worker worker;
    ScheduledFuture<?> timer;
    boolean cancelSent;
    /** The pool has decided its outcome (timeout, cancel, failure): its future completes soon, if not yet. */
    boolean settled;

    Job(long id, Task<?> task, byte[] body, JobFuture<?> future, Duration timeout, int maxAttempts) {
        this.id = id;
        this.task = task;
        this.body = body;
        this.future = future;
        this.timeout = timeout;
        this.maxAttempts = maxAttempts;
    }

    /** The pool's future of a job: knows its job, so that a cancel finds it. */
    static final class JobFuture<R> extends TaskFuture<R> {
        Job job;

        JobFuture(long id, Canceller canceller) {
            super(id, canceller);
        }
    }
}
