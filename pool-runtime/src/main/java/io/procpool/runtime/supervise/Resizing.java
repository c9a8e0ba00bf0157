package io.procpool.runtime.supervise;

import java.time.Duration;

import io.procpool.ExitReason;
import io.procpool.runtime.process.Logs;
import io.procpool.runtime.supervise.Supervised.Phase;
import org.slf4j.Logger;

/**
 * The pool's size: more workers while tasks wait (up to maxWorkers, {@link Sizing}), idle ones stopped after
 * idleTimeout (down to minWorkers), and {@link #resize}. I/O thread, but for the reads of the bounds.
 *
 * @param <W> the concrete worker type
 */
public final class Resizing<W extends WorkerProcess<W>> {

    private static final Logger LOG = Logs.logger(Resizing.class);

    private final Supervisor<W> s;
    private volatile int minWorkers;
    private volatile int maxWorkers;

    Resizing(Supervisor<W> supervisor) {
        this.s = supervisor;
        this.minWorkers = supervisor.cfg.minWorkers();
        this.maxWorkers = supervisor.cfg.maxWorkers();
    }

    public int minWorkers() {
        return minWorkers;
    }

    public int maxWorkers() {
        return maxWorkers;
    }

    /** Whether the size can change with the backlog (min below max). */
    public boolean elastic() {
        return minWorkers != maxWorkers;
    }

    void startChecks() {
        s.spawner.scheduleEvery(Durations.max(Duration.ofMillis(50), s.cfg.idleTimeout().dividedBy(4)),
                this::stopIdleWorkers);
    }

    /**
     * I/O thread: {@code backlog} tasks wait and every worker is full: starts more workers, up to maxWorkers. The
     * caller checks that the pool runs or drains (a pool scaled down to no worker has none to run what is queued).
     */
    public void scaleUp(long backlog) {
        int live = 0;
        int starting = 0;
        for (int i = 0; i < s.slots.length(); i++) {
            if (s.slots.get(i) != null) {
                live++;
                starting += s.slots.get(i).ready ? 0 : 1;
            } else if (s.slots.pending(i)) {
                live++;
                starting++;
            }
        }
        long wanted = Sizing.toStart(maxWorkers, live, starting, backlog, s.cfg.credits());
        for (int i = 0; i < maxWorkers && wanted > 0; i++) {
            if (s.slots.get(i) == null && !s.slots.pending(i)) {
                LOG.debug("{} - {} tasks wait: starting worker {}", s.cfg.name(), backlog, i + 1);
                s.startWorker(i);
                wanted--;
            }
        }
    }

    /** I/O thread, every quarter of idleTimeout: stops workers idle for longer, down to minWorkers. */
    private void stopIdleWorkers() {
        if (s.pool.phase() != Phase.RUNNING) {
            return;
        }
        W extra = s.spareKeeper.extra(s.slots, System.nanoTime());  // no crash for a while: one spare fewer
        if (extra != null) {
            extra.stopping = true;
            extra.exitReason = ExitReason.SCALE_DOWN;
            s.pool.endInput(extra);
        }
        int live = s.slots.live();
        long now = System.nanoTime();
        for (W w : s.slots.table()) {
            if (live <= minWorkers) {
                break;
            }
            if (w != null && w.ready && !w.holdsWork() && w.successor == null
                    && now - w.idleSinceNanos > Durations.nanos(s.cfg.idleTimeout())) {
                LOG.debug("{} - worker {} idle for {} ms: stopping it", s.cfg.name(), w,
                        (now - w.idleSinceNanos) / 1_000_000);
                leave(w);
                live--;
            }
        }
        s.pool.changed();
    }

    /** I/O thread: takes {@code w} out of its slot for good; it finishes what it holds, then exits. */
    private void leave(W w) {
        if (w.successor != null) {
            // recycling was under way: the successor has no slot to take any more
            W next = w.successor;
            w.successor = null;
            next.predecessor = null;
            next.stopping = true;
            next.kill(ExitReason.SCALE_DOWN, null);
        }
        s.slots.set(w.slot, null);
        s.aside.add(w);
        w.retired = true;
        w.exitReason = ExitReason.SCALE_DOWN;
        if (!w.ready) {
            w.stopping = true;
            w.kill(null, null);
        } else if (!w.holdsWork()) {
            w.stopping = true;
            s.pool.endInput(w);
        }
    }

    /**
     * I/O thread, while the pool runs: at least {@code min} workers run, up to {@code max} while tasks wait. Workers
     * above the new maximum finish what they hold, then exit (idle ones first); missing ones start now.
     */
    public void resize(int min, int max) {
        minWorkers = min;
        maxWorkers = max;
        s.slots.grow(max);
        int live = s.slots.live();
        for (int pass = 0; pass < 3 && live > max; pass++) {  // idle ones first, then starting, then busy
            for (int i = s.slots.length() - 1; i >= 0 && live > max; i--) {
                W w = s.slots.get(i);
                boolean pick = w != null && switch (pass) {
                    case 0 -> w.ready && !w.holdsWork();
                    case 1 -> !w.ready;
                    default -> true;
                };
                if (pick) {
                    leave(w);
                    live--;
                }
            }
        }
        for (int i = 0; i < max && live < min; i++) {
            if (s.slots.get(i) == null && !s.slots.pending(i)) {
                s.startWorker(i);
                live++;
            }
        }
        LOG.info("{} - resized to {}..{} workers", s.cfg.name(), min, max);
        s.pool.changed();
    }
}
