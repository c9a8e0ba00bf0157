package io.procpool.runtime.dispatch;

import java.time.Duration;

import io.procpool.PoolFailedException;
import io.procpool.RejectReason;
import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.TaskRejectedException;
import io.procpool.runtime.wire.Protocol;

/**
 * Admission: a submitted task becomes a {@link Job} in the pool's bounded queue, or is refused with the reason
 * (too large, queue full, shut down, failed). Any submitter's thread.
 */
final class Admission {

    private final PoolEngine e;

    Admission(PoolEngine engine) {
        this.e = engine;
    }

    /**
     * Queues a task whose {@code body} (2 bytes reserved in front for the attempt number) is ready to send.
     *
     * @throws io.procpool.MessageTooLargeException when the body is over maxMessageSize
     * @throws TaskRejectedException when the queue is full (REJECT), the submitter is interrupted, or the pool is
     *                               shut down
     * @throws PoolFailedException   when the pool failed
     */
    <R> TaskFuture<R> submit(Object task, byte[] body, TaskOptions options) {
        checkAccepting();
        if (body.length + Protocol.HEADER > e.cfg.maxMessageSize()) {
            e.listeners.taskRejected(RejectReason.INVALID);
            throw new io.procpool.MessageTooLargeException(e.cfg.name() + " - task " + describeTask(task)
                    + " is " + body.length + " bytes encoded, over maxMessageSize " + (e.cfg.maxMessageSize()
                    - Protocol.HEADER) + "; raise maxMessageSize or send less",
                    body.length, e.cfg.maxMessageSize() - Protocol.HEADER);
        }
        if (e.memory == null) {
            throw new IllegalStateException(e.cfg.name() + " - this pool's jobs come from " + e.source);
        }
        long id = e.ids.incrementAndGet();
        Job.JobFuture<R> future = new Job.JobFuture<>(id, e.canceller);
        Duration timeout = options.timeout() != null ? options.timeout() : e.cfg.taskTimeout();
        int attempts = options.maxAttempts() != 0 ? options.maxAttempts() : e.cfg.maxAttempts();
        Job job = new Job(id, task, body, future, timeout, attempts, 1, e.sink);
        future.job = job;
        boolean added;
        try {
            added = e.memory.add(job);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            e.listeners.taskRejected(RejectReason.QUEUE_FULL);
            throw new TaskRejectedException(e.cfg.name() + " - interrupted while waiting for room in the queue");
        }
        if (!added) {
            e.listeners.taskRejected(RejectReason.QUEUE_FULL);
            throw new TaskRejectedException(e.cfg.name() + " - task queue full (" + e.describe()
                    + "); raise queueCapacity or maxQueuedBytes, or choose QueueFullPolicy.WAIT to slow submitters"
                    + " down");
        }
        if (e.state != PoolEngine.RunState.RUNNING && e.memory.withdraw(job)) {
            checkAccepting();  // shut down meanwhile: it throws
        }
        if (e.listeners.active) {
            e.listeners.taskSubmitted(id);
        }
        e.scheduleDispatch();
        return future;
    }

    private static String describeTask(Object task) {
        return task instanceof Task<?> ? "of " + task.getClass().getName() : "input";
    }

    /** Throws when the pool takes no new task: shut down, or failed. */
    void checkAccepting() {
        PoolEngine.RunState s = e.state;
        if (s == PoolEngine.RunState.RUNNING) {
            return;
        }
        if (e.failure != null) {
            e.listeners.taskRejected(RejectReason.POOL_FAILED);
            throw new PoolFailedException(e.failure);
        }
        e.listeners.taskRejected(RejectReason.SHUTDOWN);
        throw new TaskRejectedException(e.cfg.name() + " - pool is " + s.name().toLowerCase() + ": it takes no new task");
    }
}
