package io.procpool.runtime.supervise;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitReason;
import io.procpool.runtime.process.Logs;
import io.procpool.runtime.supervise.Supervised.Phase;
import org.slf4j.Logger;

/**
 * Recycling and health: a worker at its task limit, its lifetime or over its RSS limit is retired — a successor (or a
 * ready spare) starts, takes the slot once ready, and the old worker finishes what it holds and leaves, so that the
 * pool never has a worker fewer; a ready worker silent for longer than the heartbeat timeout is killed as hung.
 * I/O thread.
 *
 * @param <W> the concrete worker type
 */
public final class Recycling<W extends WorkerProcess<W>> {

    private static final Logger LOG = Logs.logger(Recycling.class);

    private final Supervisor<W> s;

    Recycling(Supervisor<W> supervisor) {
        this.s = supervisor;
    }

    /** Starts the heartbeat check, when the pool has a heartbeat timeout. */
    void startChecks() {
        if (s.cfg.heartbeatTimeout() != null) {
            s.spawner.scheduleEvery(Duration.ofMillis(Health.heartbeatMillis(s.cfg.heartbeatTimeout())),
                    this::checkHeartbeats);
        }
    }

    /** I/O thread: after each task of {@code w}: start its successor at its limit; let a retired one leave. */
    public void afterTask(W w) {
        if (w.retired) {
            // checked line mode: its input ends at once (its requests are written): it answers them, then exits
            if (w.mayFinish() && !w.stopping) {
                w.stopping = true;
                s.pool.endInput(w);
            }
            return;
        }
        if (w.taskLimit > 0 && w.tasksDone >= w.taskLimit) {
            retire(w, ExitReason.MAX_TASKS, "after " + w.tasksDone + " tasks");
        } else if (s.cfg.maxWorkerRss() > 0 && !w.rssReading
                && System.nanoTime() - w.rssCheckedNanos > Health.RSS_CHECK_NANOS) {
            w.rssCheckedNanos = System.nanoTime();
            w.rssReading = true;
            int pid = w.child.pid();
            // a /proc read: 20 us at the median, milliseconds at the tail under load: not on the I/O thread
            s.spawning.offLoop(() -> {
                long rss = Health.rssBytes(pid);
                s.spawner.execute(() -> {
                    w.rssReading = false;
                    if (rss > s.cfg.maxWorkerRss() && w.child.exitStatus().isEmpty()) {
                        retire(w, ExitReason.MAX_RSS, "at " + (rss >> 20) + " MiB resident, over maxWorkerRss");
                    }
                });
            });
        }
    }

    /** I/O thread: starts {@code w}'s successor (or takes a ready spare), which takes over once ready. */
    public void retire(W w, ExitReason reason, String why) {
        if (w.successor != null || w.stopping || w.retired || s.pool.phase() != Phase.RUNNING || !s.slots.holds(w)) {
            return;
        }
        LOG.debug("{} - retiring worker {} {}", s.cfg.name(), w, why);
        w.retireReason = reason;
        W spare = s.slots.takeSpare();
        if (spare != null) {
            spare.slot = w.slot;
            spare.id = w.id;
            spare.predecessor = w;
            w.successor = spare;
            takeOver(spare);
            s.restarts.startSpareLater(0);
            return;
        }
        W next = s.pool.newWorker(w.slot, w.id);
        next.predecessor = w;
        w.successor = next;
        s.spawning.spawnWorker(next, false);
    }

    /** I/O thread: {@code w} has lived its time; while it or the pool is still starting, ask again shortly. */
    void lifetimeOver(W w) {
        Phase phase = s.pool.phase();
        if (w.stopping || w.retired || w.child.exitStatus().isPresent()
                || phase == Phase.DRAINING || phase == Phase.STOPPED) {
            return;
        }
        if (w.ready && s.slots.holds(w) && phase == Phase.RUNNING) {
            retire(w, ExitReason.MAX_LIFETIME, "at the end of its lifetime");
        } else {
            s.spawner.schedule(TimeUnit.MILLISECONDS.toNanos(100), () -> lifetimeOver(w));
        }
    }

    /** I/O thread: a successor is ready: it takes the slot; its predecessor finishes what it holds and leaves. */
    void takeOver(W next) {
        W old = next.predecessor;
        next.predecessor = null;
        s.aside.remove(next);
        if (s.slots.get(next.slot) != old || old.stopping) {
            // the old one died meanwhile (and its slot may have a replacement already), or it is ending: no longer
            // needed, and no longer the old one's successor (whose exit would put this one into the slot)
            if (old.successor == next) {
                old.successor = null;
            }
            next.stopping = true;
            next.exitReason = ExitReason.SCALE_DOWN;
            s.pool.endInput(next);
            s.aside.add(next);
            return;
        }
        s.slots.set(next.slot, next);
        old.retired = true;
        old.successor = null;
        old.exitReason = old.retireReason;
        s.aside.add(old);
        s.recycled.incrementAndGet();
        s.events.workerRestarted(old.info(), old.exitReason);
        LOG.debug("{} - worker {} retired after {} tasks; {} took over", s.cfg.name(), old, old.tasksDone, next);
        afterTask(old);
        s.pool.changed();
    }

    /** I/O thread: kills every ready worker that has been silent for longer than the heartbeat timeout. */
    private void checkHeartbeats() {
        long limit = s.cfg.heartbeatTimeout().toNanos();
        long now = System.nanoTime();
        for (W w : s.slots.all()) {
            if (w.ready && !w.stopping && w.killReason == null && Health.silent(now, w.lastHeardNanos, limit)) {
                w.kill(ExitReason.HUNG, "hung: no heartbeat for " + Duration.ofNanos(now - w.lastHeardNanos).toMillis()
                        + " ms, over heartbeatTimeout " + Durations.text(s.cfg.heartbeatTimeout()));
            }
        }
    }
}
