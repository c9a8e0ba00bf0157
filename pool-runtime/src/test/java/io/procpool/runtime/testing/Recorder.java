package io.procpool.runtime.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolListener;
import io.procpool.RejectReason;
import io.procpool.TaskOutcome;
import io.procpool.WorkerInfo;

/** A listener that keeps every event, stamped with System.nanoTime(), for tests to read back. */
public final class Recorder implements PoolListener {

    /** One event: its kind, the worker or task it is about, its detail (a reason or outcome), and when. */
    public record Event(String kind, String subject, Object detail, long nanos) {
    }

    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();

    private void add(String kind, String subject, Object detail) {
        events.add(new Event(kind, subject, detail, System.nanoTime()));
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public List<Event> of(String kind) {
        return events.stream().filter(e -> e.kind().equals(kind)).toList();
    }

    /** The details of every event of this kind, in order. */
    public List<Object> details(String kind) {
        return of(kind).stream().map(Event::detail).toList();
    }

    @Override
    public void workerStarted(WorkerInfo worker) {
        add("started", worker.id(), worker.pid());
    }

    @Override
    public void workerReady(WorkerInfo worker, Duration startup) {
        add("ready", worker.id(), startup);
    }

    @Override
    public void workerExited(WorkerInfo worker, ExitStatus status, ExitReason reason) {
        add("exited", worker.id(), reason);
    }

    @Override
    public void workerRestarted(WorkerInfo worker, ExitReason reason) {
        add("restarted", worker.id(), reason);
    }

    @Override
    public void poolFailed(String why) {
        add("failed", "", why);
    }

    @Override
    public void taskSubmitted(long taskId) {
        add("submitted", Long.toString(taskId), null);
    }

    @Override
    public void taskRejected(RejectReason reason) {
        add("rejected", "", reason);
    }

    @Override
    public void taskStarted(long taskId, String workerId, int attempt, Duration queueWait) {
        add("taskStarted", Long.toString(taskId), attempt);
    }

    @Override
    public void taskRetried(long taskId, int nextAttempt) {
        add("retried", Long.toString(taskId), nextAttempt);
    }

    @Override
    public void taskEnded(long taskId, TaskOutcome outcome, Duration execution) {
        add("ended", Long.toString(taskId), outcome);
    }
}
