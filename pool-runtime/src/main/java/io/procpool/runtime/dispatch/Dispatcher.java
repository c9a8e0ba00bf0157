package io.procpool.runtime.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.procpool.runtime.supervise.WorkerKind;
import io.procpool.runtime.wire.Protocol;

/**
 * Dispatch: hands jobs from the source to the ready workers' free credits (a worker holds at most capacity +
 * prefetch), round robin, several TASK frames to a worker in one write; starts more workers while tasks wait in an
 * elastic pool. I/O thread, but for {@link #schedule}.
 */
final class Dispatcher {

    private final PoolEngine e;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final byte[] head = new byte[Protocol.HEADER + 2];
    private final List<Worker> touched = new ArrayList<>();
    private final Runnable pass = this::dispatch;  // one object, not one per scheduled pass
    private final java.util.function.Consumer<Runnable> loop;

    Dispatcher(PoolEngine engine) {
        this(engine, r -> engine.spawner.execute(r));
    }

    /** Tests: passes go to {@code loop} (one that fails as a full heap would). */
    Dispatcher(PoolEngine engine, java.util.function.Consumer<Runnable> loop) {
        this.e = engine;
        this.loop = loop;
    }

    /**
     * Any thread: a dispatch pass runs on the I/O thread soon (once, however many ask before it runs). A pass that
     * cannot be queued (an OutOfMemoryError) is asked for again by the next call: a flag left set would stop every
     * dispatch for good, with tasks queued and workers idle.
     */
    void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                loop.accept(pass);
            } catch (RuntimeException | Error notQueued) {
                scheduled.set(false);  // the next submit, answer or exit asks again
            }
        }
    }

    private void dispatch() {
        scheduled.set(false);
        PoolEngine.RunState s = e.state;
        if (s == PoolEngine.RunState.STOP || s == PoolEngine.RunState.TERMINATED) {
            return;
        }
        Worker[] table = e.supervisor.slots().table();
        int demand = 0;  // the ready workers' free credits: what the source may hand out now
        for (Worker w : table) {
            if (takes(w)) {
                demand += w.credits - w.held.size();
            }
        }
        boolean progress = demand > 0;
        try {
            outer:
            while (progress) {
                progress = false;
                for (Worker w : table) {
                    if (!takes(w)) {
                        continue;
                    }
                    Job j = nextJob(demand);
                    if (j == null) {
                        break outer;
                    }
                    send(w, j);
                    demand = Math.max(1, demand - 1);
                    progress = true;
                }
            }
        } finally {
            // what was written goes out whatever ended the pass (out of memory): unsent, a task's worker would idle
            // while the pool counts it busy, and its future would stay pending
            flushTouched();
        }
        // a fixed-size pool refills its slots by restarts and resize, never here; in SHUTDOWN too: what is queued
        // must still run, and a pool scaled down to no worker has none to run it
        if (e.supervisor.resizing().elastic() && !e.source.isEmpty() && e.failure == null
                && (s == PoolEngine.RunState.RUNNING || s == PoolEngine.RunState.SHUTDOWN)) {
            e.supervisor.resizing().scaleUp(e.source.backlog());
        }
        e.updateStats();
        e.lifecycle.maybeDrained();
    }

    /**
     * Whether {@code w} takes a job now: ready, not ending, with a free credit; in line mode, not while its successor
     * is being spawned (a line worker is ready once spawned, a moment away: the old one gets no task past its limit,
     * and a checked one is checked after exactly checkEvery tasks).
     */
    private boolean takes(Worker w) {
        return w != null && w.ready && !w.stopping && w.held.size() < w.credits
                && (w.successor == null || e.cfg.kind() != WorkerKind.LINE);
    }

    private Job nextJob(int demand) {
        while (true) {
            Job j = e.source.poll(demand);
            if (j != null && e.memory == null) {
                j.engine = e;  // before the isDone check: a cancel from now on reaches the ladder (Job.cancel)
            }
            if (j == null || !(j.settled || j.future.isDone())) {
                return j;
            }
        }
    }

    private void flushTouched() {
        for (int i = 0; i < touched.size(); i++) {
            try {
                touched.get(i).child.flush();
            } catch (RuntimeException dying) {
                // the worker is dying: its exit hands back what it held
            }
        }
        touched.clear();
    }

    private void send(Worker w, Job j) {
        try {  // what may fail for want of memory comes first: a job taken from the source and not sent fails alone
            if (!touched.contains(w)) {
                touched.add(w);
            }
            w.held.addLast(j);
        } catch (OutOfMemoryError full) {
            e.lifecycle.settleSurely(j, full);
            return;
        }
        try {
            e.inFlight.put(j.id, j);
        } catch (OutOfMemoryError full) {
            w.held.removeLast();
            e.lifecycle.settleSurely(j, full);
            return;
        }
        j.worker = w;
        j.started = false;
        j.body[0] = (byte) (j.attempt >>> 8);
        j.body[1] = (byte) j.attempt;
        Protocol.putHeader(head, 0, Protocol.TASK, j.id);
        try {
            if (e.cfg.kind() == WorkerKind.LINE) {
                e.lines.write(w, j.body);
            } else {
                w.child.pushLater(head, Protocol.HEADER, j.body, false);
            }
        } catch (io.procpool.MessageTooLargeException tooLarge) {
            w.held.removeLast();
            e.inFlight.remove(j.id);
            e.settle(j, new IllegalArgumentException(e.cfg.name() + " - task " + j.id + ": " + tooLarge.getMessage()));
            return;
        } catch (RuntimeException died) {
            return;  // it died: onExit gives the job back
        } catch (OutOfMemoryError full) {  // not written (a bigger buffer): it fails alone
            w.held.removeLast();
            e.inFlight.remove(j.id);
            e.lifecycle.settleSurely(j, full);
            return;
        }
        j.sentNanos = System.nanoTime();
        if (e.listeners.taskStartedHeard) {
            try {
                e.listeners.taskStarted(j.id, w.id, j.attempt, Duration.ofNanos(j.sentNanos - j.queuedNanos));
            } catch (OutOfMemoryError full) {
                // the listeners miss its start; the task is sent
            }
        }
        if (j.timeout != null) {
            e.cancels.startTimer(j, w);  // runs again from its STARTED, when its worker says it
        }
    }
}
