package io.procpool.examples.cli;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import io.procpool.ExitReason;
import io.procpool.PoolListener;
import io.procpool.TaskOutcome;
import io.procpool.WorkerInfo;

/**
 * Counts what the pool reports about a batch: workers started, restarts by reason, tasks by outcome and the
 * execution times of the tasks that succeeded (each of the first {@link #SAMPLES}, then a uniform sample of that
 * many, so that a run of millions of items keeps a fixed memory). Called on the pool's threads, read by the progress
 * line and the summary: every callback only counts.
 */
final class BatchStats implements PoolListener {

    /** How many execution times are kept: the quantiles are exact up to this many tasks, estimates beyond. */
    static final int SAMPLES = 1 << 16;

    private final AtomicInteger workersStarted = new AtomicInteger();
    private final AtomicLongArray restarts = new AtomicLongArray(ExitReason.values().length);
    private final AtomicLongArray outcomes = new AtomicLongArray(TaskOutcome.values().length);
    private long[] executionNanos = new long[1024];  // guarded by this; a reservoir once full
    private int kept;                                // guarded by this
    private long executions;                         // guarded by this
    private volatile long lastActivityNanos = System.nanoTime();

    @Override
    public void workerStarted(WorkerInfo worker) {
        workersStarted.incrementAndGet();
    }

    @Override
    public void workerRestarted(WorkerInfo worker, ExitReason reason) {
        restarts.incrementAndGet(reason.ordinal());
    }

    @Override
    public void taskStarted(long taskId, String workerId, int attempt, Duration queueWait) {
        lastActivityNanos = System.nanoTime();
    }

    @Override
    public void taskEnded(long taskId, TaskOutcome outcome, Duration execution) {
        lastActivityNanos = System.nanoTime();
        if (outcome == TaskOutcome.SUCCESS) {
            record(execution.toNanos());
        }
        // counted after the time: whoever sees the task done sees its time too
        outcomes.incrementAndGet(outcome.ordinal());
    }

    private synchronized void record(long nanos) {
        executions++;
        if (kept < SAMPLES) {
            if (kept == executionNanos.length) {
                executionNanos = Arrays.copyOf(executionNanos, kept * 2);
            }
            executionNanos[kept++] = nanos;
            return;
        }
        // reservoir sampling (Vitter's algorithm R): every execution so far is kept with the same probability
        long slot = ThreadLocalRandom.current().nextLong(executions);
        if (slot < SAMPLES) {
            executionNanos[(int) slot] = nanos;
        }
    }

    /** When a task was last sent to a worker or ended: the run's sign of life. */
    long lastActivityNanos() {
        return lastActivityNanos;
    }

    int workersStarted() {
        return workersStarted.get();
    }

    long ok() {
        return outcomes.get(TaskOutcome.SUCCESS.ordinal());
    }

    /** Tasks that ended without a result other than by a cancel: they threw, timed out or crashed every attempt. */
    long failed() {
        return outcomes.get(TaskOutcome.FAILURE.ordinal()) + outcomes.get(TaskOutcome.TIMEOUT.ordinal())
                + outcomes.get(TaskOutcome.CRASH.ordinal());
    }

    long done() {
        return ok() + failed();
    }

    long restarts() {
        long n = 0;
        for (int i = 0; i < restarts.length(); i++) {
            n += restarts.get(i);
        }
        return n;
    }

    /** The restarts by reason, in the order of {@link ExitReason}, only the reasons that occurred. */
    Map<ExitReason, Long> restartsByReason() {
        Map<ExitReason, Long> byReason = new EnumMap<>(ExitReason.class);
        for (ExitReason r : ExitReason.values()) {
            long n = restarts.get(r.ordinal());
            if (n > 0) {
                byReason.put(r, n);
            }
        }
        return byReason;
    }

    /**
     * The {@code q}-quantile (0..1, nearest rank) of the execution times of the tasks that succeeded, from when a
     * task was sent to a worker to its answer; zero before any did.
     */
    Duration executionQuantile(double q) {
        long[] sorted;
        synchronized (this) {
            sorted = Arrays.copyOf(executionNanos, kept);
        }
        if (sorted.length == 0) {
            return Duration.ZERO;
        }
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return Duration.ofNanos(sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))]);
    }
}
