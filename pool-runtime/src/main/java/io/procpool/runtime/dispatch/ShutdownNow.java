package io.procpool.runtime.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * shutdownNow: cancels what waits, kills every worker, and hands its callers the tasks that never started, once the
 * killed workers' exits said which of their held tasks had. Callers wait on their own thread; the rest runs on the I/O
 * thread.
 */
final class ShutdownNow {

    private final PoolEngine e;
    /** The tasks that never started, found and not handed out yet; null until shutdownNow is called. */
    private List<Object> stopping;
    /** shutdownNow callers waiting. */
    private final List<StopWaiter> stopWaiters = new ArrayList<>();

    ShutdownNow(PoolEngine engine) {
        this.e = engine;
    }

    /** I/O thread: whether shutdownNow was called: a dead worker's unstarted jobs go to its callers. */
    boolean active() {
        return stopping != null;
    }

    /** I/O thread: a job a dead worker held but never started goes back to the callers of shutdownNow. */
    void returnUnstarted(Job j) {
        returned(j, stopping);
    }

    /**
     * Returns the tasks that never started: those queued, and those held by a worker that had not started them (it
     * said no STARTED for them, or, for a worker that does not say STARTED, beyond the ones it runs). It waits for the
     * killed workers' exits, whose last messages say what they had started (a SIGKILL takes a millisecond or so; at
     * most {@link #STOP_WAIT_SECONDS}). The caller has set the state to STOP.
     */
    List<Object> call() {
        if (e.spawner.inIoThread()) {
            // from a listener, inside the event that called it (an exit being handled, say): nothing may run
            // re-entrantly here, and the exits cannot be waited for on the thread that handles them. The queued
            // tasks come back now; the rest stops right after, its held tasks cancelled as their workers die.
            List<Object> queued = new ArrayList<>();
            for (Job j : e.drainQueued()) {
                if (!j.settled) {
                    returned(j, queued);
                }
            }
            e.spawner.execute(() -> stopNow(null));
            return queued;
        }
        StopWaiter waiter = new StopWaiter(new CompletableFuture<>(), e.completer.isCurrentThread());
        e.spawner.execute(() -> stopNow(waiter));
        e.spawner.handOver();  // a callback on the I/O thread: the loop must go on without it
        try {
            return waiter.result.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (java.util.concurrent.TimeoutException slow) {
            // a worker that does not die (uninterruptible sleep): what it held counts as started, and is cancelled
            CompletableFuture<List<Object>> late = new CompletableFuture<>();
            e.spawner.execute(() -> late.complete(giveUpStopping()));
            try {
                return late.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException | java.util.concurrent.ExecutionException
                     | java.util.concurrent.TimeoutException stuck) {
                return List.of();
            }
        } catch (java.util.concurrent.ExecutionException failed) {
            throw new IllegalStateException(failed.getCause());
        }
    }

    private static final long STOP_WAIT_SECONDS = 10;

    /**
     * A caller of shutdownNow waiting for the list. {@code direct}: it waits on the e.completer thread, so its list
     * cannot come through the e.completer after the cancels of the returned tasks' futures.
     */
    private record StopWaiter(CompletableFuture<List<Object>> result, boolean direct) {
    }

    /**
     * I/O thread (or after it stopped): cancels what waits, kills every worker; their exits settle what they held.
     * {@code waiter}: who gets the list of what never started, or null.
     */
    private void stopNow(StopWaiter waiter) {
        e.state = e.state == PoolEngine.RunState.TERMINATED ? e.state : PoolEngine.RunState.STOP;
        if (stopping == null) {
            stopping = new ArrayList<>();
        }
        for (Job j : e.drainQueued()) {
            if (!j.settled) {
                returned(j, stopping);
            }
        }
        if (waiter != null) {
            stopWaiters.add(waiter);
        }
        e.supervisor.killAll();
        maybeStopped();
        e.lifecycle.maybeTerminated();
    }

    /** I/O thread: a job that never started goes back to the caller of shutdownNow; its future is cancelled. */
    void returned(Job j, List<Object> neverStarted) {
        neverStarted.add(j.task);
        j.settled = true;
        e.complete(j, () -> j.future.cancel(false));
    }

    /**
     * I/O thread: once no worker holds a job any more, the callers of shutdownNow get what never started, through
     * the e.completer after those tasks' futures are cancelled (whoever gets the list sees them cancelled). Each task
     * is returned once: a later shutdownNow returns only what it finds itself.
     */
    void maybeStopped() {
        if (stopWaiters.isEmpty() || !e.inFlight.isEmpty()) {
            return;
        }
        List<Object> list = List.copyOf(stopping);
        stopping = new ArrayList<>();
        for (StopWaiter w : stopWaiters) {
            if (w.direct()) {
                w.result().complete(list);
            } else {
                e.complete(() -> w.result().complete(list));
            }
        }
        stopWaiters.clear();
    }

    private List<Object> giveUpStopping() {
        for (Job j : e.inFlight.values()) {
            if (!j.settled) {
                e.settle(j, new CancellationException(e.cfg.name() + " - shutdownNow stopped task " + j.id));
            }
        }
        List<Object> list = stopping == null ? List.of() : List.copyOf(stopping);
        stopping = new ArrayList<>();
        return list;
    }
}
