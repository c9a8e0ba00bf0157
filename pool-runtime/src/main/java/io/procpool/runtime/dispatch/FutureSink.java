package io.procpool.runtime.dispatch;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

import io.procpool.TaskFailedException;
import io.procpool.TaskOutcome;
import io.procpool.runtime.process.MemoryReserve;

/**
 * The sink of the pool's own jobs: decodes a result and completes the job's {@code TaskFuture}, counting it and telling
 * the listeners first (whoever sees the future done sees it counted). In the completion step ({@link Completions});
 * {@link #failed} may also run on any thread (completing a future exceptionally is thread-safe).
 */
final class FutureSink implements JobSink {

    private final String pool;
    private final PoolEngine.Decoder results;
    private final Listeners listeners;
    final LongAdder completed = new LongAdder();
    final LongAdder failed = new LongAdder();

    FutureSink(String pool, PoolEngine.Decoder results, Listeners listeners) {
        this.pool = pool;
        this.results = results;
        this.listeners = listeners;
    }

    @Override
    public void succeeded(Job j, byte[] body) {
        Object value;
        try {
            value = results.decode(body);
        } catch (Throwable e) {  // the bytes are a worker's: even an Error decoding them fails this task alone
            try {
                failed(j, new TaskFailedException(pool + " - the result of task " + j.id
                        + " cannot be deserialized here: " + e, e.getClass().getName(), e.getMessage(), ""));
            } catch (Throwable memory) {  // even the message could not be made: the error itself, unwrapped
                failed(j, e);
            }
            return;
        }
        MemoryReserve.restore();
        if (!j.claimEnd()) {
            return;  // cancelled first: the cancel counted and reported its end
        }
        completed.increment();  // before the future completes: whoever sees it done sees it counted
        if (listeners.active) {
            try {
                listeners.taskEnded(j.id, TaskOutcome.SUCCESS, Duration.ofNanos(j.sentNanos - j.queuedNanos),
                        Duration.ofNanos(j.endNanos - j.sentNanos));
            } catch (OutOfMemoryError full) {
                // the listeners miss this end; the future, whose end is claimed, must not
            }
        }
        if (!j.future.succeed(value)) {  // a value: no allocation
            completed.decrement();  // cancelled meanwhile: the cancel reported its end
        }
    }

    @Override
    public void failed(Job j, Throwable t) {
        if (j.future.isDone() || !j.claimEnd()) {
            return;  // cancelled (or answered) first: that counted and reported its end
        }
        failed.increment();  // before the future completes, as in succeeded
        if (listeners.active) {
            try {
                listeners.taskEnded(j.id, TaskOutcome.of(t), j.sentNanos == 0 ? Duration.ZERO
                        : Duration.ofNanos(j.sentNanos - j.queuedNanos), j.sentNanos == 0 ? Duration.ZERO
                        : Duration.ofNanos(Math.max(0, j.endNanos - j.sentNanos)));
            } catch (OutOfMemoryError full) {
                // as in succeeded: the end is claimed, the future completes all the same
            }
        }
        if (!failSurely(j.future, t)) {
            failed.decrement();
        }
    }

    /**
     * Fails {@code f}, waiting out a full heap: its end is claimed, so no one else will complete it, and a future left
     * pending is the one thing the pool must never do. Failing needs a few bytes (the future's exceptional result);
     * while the heap has none, this completion thread waits (others take the next completions) and tries again.
     */
    static boolean failSurely(Job.JobFuture<?> f, Throwable t) {
        for (int tries = 0; ; tries++) {
            try {
                return f.fail(t);
            } catch (OutOfMemoryError full) {
                if (f.isDone()) {
                    return true;  // failed, then a dependent's step ran out of memory: done all the same
                }
                MemoryReserve.awaitMemory(1 + tries);
            }
        }
    }
}
