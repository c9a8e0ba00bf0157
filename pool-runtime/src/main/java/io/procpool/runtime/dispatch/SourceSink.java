package io.procpool.runtime.dispatch;

import java.time.Duration;

import io.procpool.TaskOutcome;

/**
 * The sink of a job from a {@link JobSource}, around the one the source gave: counts the job's end in the pool's stats
 * and tells the listeners (the execution timer, {@code completed}/{@code failed}), once, as {@link FutureSink} does
 * for the pool's own jobs; then hands the outcome on. A job cancelled first (its end claimed and counted by the
 * cancel) is not handed on. Completer thread.
 */
final class SourceSink implements JobSink {

    private final JobSink out;

    SourceSink(JobSink out) {
        this.out = java.util.Objects.requireNonNull(out, "sink");
    }

    @Override
    public void succeeded(Job j, byte[] result) {
        if (ended(j, TaskOutcome.SUCCESS)) {
            out.succeeded(j, result);
        }
    }

    @Override
    public void failed(Job j, Throwable error) {
        if (ended(j, TaskOutcome.of(error))) {
            out.failed(j, error);
        }
    }

    @Override
    public boolean event(Job j, byte[] body) {
        return out.event(j, body);
    }

    private static boolean ended(Job j, TaskOutcome outcome) {
        if (!j.claimEnd()) {
            return false;
        }
        PoolEngine e = j.engine;
        if (e == null) {
            return true;  // never taken by the engine (a pool that failed or stopped first): nothing ran
        }
        if (outcome == TaskOutcome.SUCCESS) {
            e.sink.completed.increment();
        } else {
            e.sink.failed.increment();
        }
        if (e.listeners.active) {
            long sent = j.sentNanos;
            e.listeners.taskEnded(j.id, outcome, sent == 0 ? Duration.ZERO : Duration.ofNanos(sent - j.queuedNanos),
                    sent == 0 ? Duration.ZERO : Duration.ofNanos(Math.max(0, j.endNanos - sent)));
        }
        return true;
    }
}
