package io.procpool.runtime.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolFailedException;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.supervise.Supervisor;

/**
 * What happens to a dead worker's tasks: a task it had started uses an attempt (retried while it has one, else it
 * fails with {@link WorkerCrashedException}, or {@link io.procpool.ProtocolException} when the worker broke the
 * protocol); one it held but never started goes back to the source for free (or, after {@code shutdownNow}, to its
 * caller). I/O thread.
 */
final class Losses {

    /**
     * How many times a worker may die holding a task, and running nothing, before that task (the oldest it held) is
     * charged an attempt although it never said STARTED: a task that kills its worker while the worker reads it
     * (too big for the worker's heap) would otherwise go round for ever, free each time.
     */
    private static final int FREE_UNSTARTED_DEATHS = 2;

    private final PoolEngine e;

    Losses(PoolEngine engine) {
        this.e = engine;
    }

    /** {@code w} exited: each job it held is retried, given back, or failed. */
    void lost(Worker w, ExitStatus status, ExitReason reason, List<String> tail) {
        int index = 0;
        List<Job> back = new ArrayList<>();
        Job suspect = w.reportsStarted ? oldestUnstarted(w) : null;
        if (e.lines != null) {
            e.lines.checkAtExit(w, status, tail, back);
        }
        for (Job j : w.held) {
            // exact when the worker says STARTED; otherwise the protocol's rule: answers are out before the next
            // task starts, so the oldest `runs` held tasks are the running ones
            boolean ran = w.reportsStarted ? j.started : index++ < w.runs;
            if (j == suspect && ++j.unstartedDeaths > FREE_UNSTARTED_DEATHS) {
                ran = true;  // its workers keep dying before they can start it (too big for their memory?): charged
            }
            e.inFlight.remove(j.id);
            if (j.timer != null) {
                j.timer.cancel();
            }
            if (j.settled || j.future.isDone()) {
                continue;  // cancelled, timed out or failed: already answered
            }
            if (e.failure == null && e.stopper.active() && !ran) {
                e.stopper.returnUnstarted(j);  // shutdownNow: held, never started
                continue;
            }
            if (!requeue(j, back, ran)) {  // never started: back to the source, no attempt used
                String message = e.cfg.name() + " - task " + j.id + " failed: its worker " + w + " " + status
                        + (w.killReason != null ? " (" + w.killReason + ")" : "") + " on attempt " + j.attempt + " of "
                        + j.maxAttempts + Supervisor.tailText(tail);
                e.settle(j, reason == ExitReason.PROTOCOL_ERROR
                        ? new io.procpool.ProtocolException(message, w.received, status, j.attempt, tail)
                        : new WorkerCrashedException(message, status, j.attempt, tail));
            }
        }
        w.held.clear();
        e.source.giveBack(back);
    }

    /** The oldest held job of a worker that had started none, or null when one had started. */
    private static Job oldestUnstarted(Worker w) {
        for (Job j : w.held) {
            if (j.started) {
                return null;
            }
        }
        return w.held.peekFirst();
    }

    /**
     * A job its worker's death gave back: settled at once when the pool stops or failed, else back to the source
     * (collected in {@code back}), using an attempt when {@code charged}. False when it has no attempt left: the
     * caller fails it.
     */
    boolean requeue(Job j, List<Job> back, boolean charged) {
        if (e.failure != null || e.state.ordinal() >= PoolEngine.RunState.STOP.ordinal()) {
            e.settle(j, e.failure != null ? new PoolFailedException(e.failure)
                    : new CancellationException(e.cfg.name() + " - the pool stopped task " + j.id));
            return true;
        }
        if (charged && j.attempt >= j.maxAttempts) {
            return false;
        }
        if (charged) {
            j.attempt++;
        }
        j.queuedNanos = System.nanoTime();
        back.add(j);
        if (charged) {
            e.listeners.taskRetried(j.id, j.attempt);
        }
        return true;
    }
}
