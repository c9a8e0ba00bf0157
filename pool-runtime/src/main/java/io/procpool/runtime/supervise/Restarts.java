package io.procpool.runtime.supervise;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.WorkerInfo;
import io.procpool.runtime.process.Logs;
import io.procpool.runtime.supervise.Supervised.Phase;
import org.slf4j.Logger;

/**
 * A worker's exit and what takes its place: its successor if one was starting, else a ready spare, else a new
 * worker, at once after a healthy worker's death and after the {@link RestartPolicy}'s back-off after an early one;
 * the {@link CrashLoopBreaker} fails the pool when early deaths come too fast. Also keeps the warm spares. What the
 * worker held is the layer above's ({@link Supervised#lost}). I/O thread.
 *
 * @param <W> the concrete worker type
 */
final class Restarts<W extends WorkerProcess<W>> {

    private static final Logger LOG = Logs.logger(Restarts.class);

    private final Supervisor<W> s;
    private final CrashLoopBreaker breaker;
    private final RestartPolicy restartPolicy;

    Restarts(Supervisor<W> supervisor) {
        this.s = supervisor;
        this.breaker = new CrashLoopBreaker(supervisor.cfg.crashLoopRestarts(), supervisor.cfg.crashLoopWindow());
        this.restartPolicy = new RestartPolicy(supervisor.cfg.backoffBase(), supervisor.cfg.backoffMax());
    }

    /** I/O thread: {@code w} exited and was reaped. */
    void onExit(W w, ExitStatus status) {
        boolean inSlot = s.slots.holds(w);
        if (inSlot) {
            s.slots.set(w.slot, null);
        }
        s.aside.remove(w);
        boolean failedSuccessor = w.predecessor != null;
        if (failedSuccessor) {
            w.predecessor.successor = null;  // a successor that died starting: the old worker keeps its slot
        }
        ExitReason reason = exitReason(w, status);
        WorkerInfo info = w.info();
        if (w.successor != null) {
            // died before its successor took over: the successor takes the slot now (ready or about to be)
            W next = w.successor;
            w.successor = null;
            next.predecessor = null;
            if (inSlot && s.aside.remove(next)) {  // only one still alive (aside): a dead one must not take the slot
                s.slots.set(w.slot, next);
                inSlot = false;
                s.restartCount.incrementAndGet();
                s.events.workerRestarted(info, reason);
            }
        }
        List<String> tail = w.child.lastLines();
        w.child.close();
        if (w.cdsRecording != 0) {
            s.cfg.cds().recorded(w.cdsRecording, status.exited());
        }
        if (w.cdsMapped && !w.ready && reason != ExitReason.SHUTDOWN && reason != ExitReason.SCALE_DOWN) {
            s.cfg.cds().failedStart();
        }
        String why = status + (w.killReason != null ? " (" + w.killReason + ")" : "") + Supervisor.tailText(tail);
        if (!w.ready && reason != ExitReason.SHUTDOWN && reason != ExitReason.SCALE_DOWN) {
            s.startFailed(s.cfg.name() + " - worker " + w + " failed to start: " + why);
        } else if (reason.replaced() && !reason.recycling()) {
            LOG.warn("{} - worker {} {}", s.cfg.name(), w, why);
        }
        s.events.workerExited(info, status, reason);
        s.pool.lost(w, status, reason, tail);
        replace(w, inSlot, failedSuccessor, reason, info, why);
        s.pool.changed();
        s.pool.settled();
    }

    /** After {@code w}'s exit: a spare or a new worker takes its slot (after a back-off if it died early). */
    private void replace(W w, boolean inSlot, boolean failedSuccessor, ExitReason reason, WorkerInfo info, String why) {
        if (inSlot && wantsWorkers()) {
            boolean early = RestartPolicy.early(reason, w.ready, w.tasksDone, System.nanoTime() - w.readyNanos);
            if (!early) {
                s.slots.resetStreak(w.slot);
            } else {
                s.slots.lengthenStreak(w.slot);
            }
            if (!(early && countEarlyDeath("worker " + w + " " + why))) {  // the breaker: no restart, none counted
                s.restartCount.incrementAndGet();
                s.events.workerRestarted(info, reason);
                if (w.ready && reason.replaced() && !reason.recycling()) {
                    s.spareKeeper.crashed(System.nanoTime());  // sizes the spares
                }
                if (!promoteSpare(w.slot)) {
                    restartSlot(w.slot);
                }
                startSpareLater(0);
            }
        } else if (w.spare && serving()) {
            // a spare died: another, a little later if it never started (and that counts toward the breaker)
            if (w.ready || !countEarlyDeath("warm spare " + w + " " + why)) {
                startSpareLater(w.ready ? 0 : 1000);
            }
        } else if (failedSuccessor && serving()) {
            countEarlyDeath("worker " + w + " " + why);  // a successor that could not start
        }
    }

    /** Why {@code w} left: what the pool decided when it killed or stopped it, else a crash or a failed start. */
    private static ExitReason exitReason(WorkerProcess<?> w, ExitStatus status) {
        if (w.exitReason != null) {
            return w.exitReason;
        }
        if (!w.ready) {
            return ExitReason.START_FAILED;
        }
        return w.stopping && status.success() ? ExitReason.SHUTDOWN : ExitReason.CRASH;
    }

    /** Whether a dead worker's slot is filled again: the pool starts, runs, or drains what is left, and has not failed. */
    boolean wantsWorkers() {
        return !s.pool.failed() && s.pool.phase() != Phase.STOPPED;
    }

    /** Whether the pool serves: running, not failed. */
    boolean serving() {
        return !s.pool.failed() && s.pool.phase() == Phase.RUNNING;
    }

    /**
     * I/O thread: counts the death of a worker that never did any work (a failed start, or dead before its first
     * task and within {@link RestartPolicy#HEALTHY_NANOS} of HELLO) and trips the crash-loop breaker when more than
     * crashLoopRestarts of them fall within crashLoopWindow.
     *
     * @return whether the pool failed
     */
    boolean countEarlyDeath(String why) {
        if (!breaker.count(System.nanoTime()) || s.pool.failed() || s.pool.phase() == Phase.STARTING) {
            return false;
        }
        s.pool.failPool(s.cfg.name() + " - crash loop: " + breaker.inWindow() + " workers died before doing any work within "
                + Durations.text(s.cfg.crashLoopWindow()) + " (the limit is " + s.cfg.crashLoopRestarts() + "; see crashLoopLimit);"
                + " the last: " + why);
        return true;
    }

    /**
     * I/O thread: starts a worker for the empty slot: at once after a healthy worker's death, else after an
     * exponential back-off with jitter (backoffBase doubling per early death in a row, at most backoffMax, times a
     * random 0.5..1).
     */
    void restartSlot(int slot) {
        int streak = s.slots.streak(slot);
        if (streak == 0) {
            s.startWorker(slot);
            return;
        }
        long delay = restartPolicy.delayNanos(streak, ThreadLocalRandom.current().nextDouble());
        s.slots.pending(slot, true);
        LOG.debug("{} - restarting slot {} in {} ms ({} early deaths in a row)", s.cfg.name(), slot + 1,
                delay / 1_000_000, streak);
        s.spawner.schedule(delay, () -> {
            s.slots.pending(slot, false);
            if (s.slots.get(slot) == null && wantsWorkers()) {
                s.startWorker(slot);
            } else {
                s.pool.settled();
            }
        });
    }

    /** I/O thread: puts a spare into the empty slot (a ready one, else one still starting); false when there is none. */
    private boolean promoteSpare(int slot) {
        W sp = s.spareKeeper.take(s.slots);  // a ready one, else one still starting
        if (sp == null) {
            return false;
        }
        s.aside.remove(sp);
        sp.slot = slot;
        sp.id = s.cfg.name() + "-" + (slot + 1);
        s.slots.set(slot, sp);
        LOG.debug("{} - spare {} took slot {}", s.cfg.name(), sp, slot + 1);
        return true;
    }

    /** Starts a warm spare when fewer than configured are alive. */
    void startSpareLater(long delayMillis) {
        Runnable start = () -> {
            int wanted = s.spareKeeper.wanted(System.nanoTime());
            for (long alive = s.slots.spares(); alive < wanted && serving(); alive++) {
                W sp = s.pool.newWorker(-1, s.cfg.name() + "-spare");
                sp.spare = true;
                s.spawning.spawnWorker(sp, false);
            }
        };
        if (delayMillis == 0) {
            s.spawner.execute(start);
        } else {
            s.spawner.schedule(TimeUnit.MILLISECONDS.toNanos(delayMillis), start);
        }
    }
}
