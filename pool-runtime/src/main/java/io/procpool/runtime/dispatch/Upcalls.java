package io.procpool.runtime.dispatch;

import java.nio.ByteBuffer;
import java.util.List;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.runtime.supervise.Supervised;
import io.procpool.runtime.supervise.WorkerKind;

/**
 * What the supervision layer tells the engine, and asks of it: frames and lines to {@link Replies} and
 * {@link LineMode}, a dead worker's jobs to {@link Losses}, the run state as a {@link Supervised.Phase}. I/O thread.
 */
final class Upcalls implements Supervised<Worker> {

    private final PoolEngine e;

    Upcalls(PoolEngine engine) {
        this.e = engine;
    }

    @Override
    public Worker newWorker(int slot, String id) {
        return new Worker(slot, id);
    }

    @Override
    public void spawned(Worker w) {
        if (e.cfg.kind() == WorkerKind.LINE) {
            w.runs = 1;
            w.credits = 1 + e.cfg.prefetch();
            e.lines.checked(w);
            e.supervisor.onHello(w);  // a line-mode worker says nothing first: it is ready once it runs
        }
    }

    @Override
    public void message(Worker w, ByteBuffer message) {
        e.replies.onMessage(w, message);
    }

    @Override
    public void line(Worker w, String line) {
        e.lines.onLine(w, line);
    }

    @Override
    public void changed() {
        e.updateStats();
        e.scheduleDispatch();
    }

    @Override
    public void lost(Worker w, ExitStatus status, ExitReason reason, List<String> tail) {
        e.losses.lost(w, status, reason, tail);
    }

    @Override
    public void settled() {
        e.stopper.maybeStopped();
        e.lifecycle.maybeTerminated();
    }

    @Override
    public void endInput(Worker w) {
        e.endInput(w);
    }

    @Override
    public Phase phase() {
        return switch (e.state) {
            case STARTING -> Phase.STARTING;
            case RUNNING -> Phase.RUNNING;
            case SHUTDOWN -> e.workLeft() ? Phase.DRAINING : Phase.STOPPED;
            default -> Phase.STOPPED;
        };
    }

    @Override
    public boolean failed() {
        return e.failure != null;
    }

    @Override
    public void startFailed(String why) {
        e.failure = why;
    }

    @Override
    public void failPool(String why) {
        e.lifecycle.failPool(why);
    }
}
