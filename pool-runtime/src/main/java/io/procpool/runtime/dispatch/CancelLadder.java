package io.procpool.runtime.dispatch;

import java.time.Duration;

import io.procpool.ExitReason;
import io.procpool.TaskFuture;
import io.procpool.TaskOutcome;
import io.procpool.TaskTimeoutException;
import io.procpool.runtime.supervise.Durations;
import io.procpool.runtime.supervise.WorkerKind;
import io.procpool.runtime.wire.Protocol;

/**
 * The cancel ladder: a task's timeout, or {@code cancel(true)} on its future, settles it and sends CANCEL to its
 * worker (which interrupts it); a worker that has not stopped it within cancelGrace is killed and replaced. In line
 * mode there is no way to tell a worker, so it is killed at once. I/O thread (a cancel arrives on the caller's thread
 * and hops over).
 */
final class CancelLadder {

    private static final byte[] EMPTY = new byte[0];

    private final PoolEngine e;
    private final byte[] head = new byte[Protocol.HEADER];

    CancelLadder(PoolEngine engine) {
        this.e = engine;
    }

    /** The task's timeout runs from now: when it is sent, and again when it starts (its worker says STARTED). */
    void startTimer(Job j, Worker w) {
        j.timer = e.spawner.schedule(j.timeout, () -> onTimeout(j, w));
    }

    private void onTimeout(Job j, Worker sentTo) {
        if (e.inFlight.get(j.id) != j || j.worker != sentTo || j.settled || j.future.isDone()) {
            return;  // answered meanwhile, or a timer of an earlier attempt
        }
        e.settle(j, new TaskTimeoutException(e.cfg.name() + " - task " + j.id + " timed out after " + Durations.text(j.timeout)
                + " in worker " + j.worker.id, j.timeout));
        stop(j, ExitReason.TIMEOUT, "task " + j.id + " timed out");
    }

    void onCancel(TaskFuture<?> future, boolean mayInterrupt) {
        e.sink.failed.increment();  // the future is already cancelled: counted a moment late
        Job j = ((Job.JobFuture<?>) future).job;
        if (e.listeners.active) {  // JobFuture.cancel claimed the end
            long sent = j.sentNanos;  // a racy read: the execution time of a cancel is approximate
            e.listeners.taskEnded(j.id, TaskOutcome.CANCELLED, Duration.ZERO, sent == 0 ? Duration.ZERO
                    : Duration.ofNanos(Math.max(0, System.nanoTime() - sent)));
        }
        e.spawner.execute(() -> {
            j.settled = true;
            if (e.source.remove(j)) {
                return;
            }
            if (e.inFlight.get(j.id) == j && mayInterrupt) {
                stop(j, ExitReason.CANCEL, "task " + j.id + " was cancelled");
            }
        });
    }

    /** Sends CANCEL; kills the worker if the task has not stopped within the grace period. */
    private void stop(Job j, ExitReason reason, String why) {
        if (j.cancelSent) {
            return;
        }
        j.cancelSent = true;
        Worker w = j.worker;
        if (e.cfg.kind() == WorkerKind.LINE) {
            // no way to tell it, and its late reply would answer the next request: it goes now
            w.kill(reason, why + " (line mode: its worker cannot be told to stop)");
            return;
        }
        Protocol.putHeader(head, 0, Protocol.CANCEL, j.id);
        try {
            w.child.pushLater(head, Protocol.HEADER, EMPTY, true);
        } catch (RuntimeException gone) {
            return;  // already gone
        }
        e.spawner.schedule(e.cfg.cancelGrace(), () -> {
            if (e.inFlight.get(j.id) == j && j.worker == w) {
                w.kill(reason, why + " and did not stop within " + Durations.text(e.cfg.cancelGrace()));
            }
        });
    }
}
