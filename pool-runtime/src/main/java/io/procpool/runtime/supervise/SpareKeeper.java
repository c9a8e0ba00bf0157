package io.procpool.runtime.supervise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.procpool.runtime.process.Priority;

/**
 * Applies the spare rules ({@link Spares}) to the workers: how many spares to keep now, the CPU priority of spares
 * and successors while they start, and which spare takes a slot or leaves. I/O thread only.
 *
 * <p>A spare or a successor starts at {@code spareNice} (when the pool may lower it back, see
 * {@link Spares#startNice}) and comes back to 0 when it says HELLO, when it takes a slot before that, or half its
 * startup timeout after its spawn, whichever comes first: it is never starved into a failed start, and never runs a
 * task at the lower priority.
 *
 * @param <W> the concrete worker type
 */
public final class SpareKeeper<W extends WorkerProcess<W>> {

    private final Spares spares;
    private final int nice;

    /**
     * @param floor     spares always kept
     * @param cap       the most the crash rate may ask for
     * @param spareNice the nice value asked for spares and successors while they start
     */
    public SpareKeeper(int floor, int cap, int spareNice) {
        this.spares = new Spares(floor, cap);
        this.nice = spareNice == 0 ? 0 : Spares.startNice(spareNice, capSysNice(), Priority.rlimitNice());
    }

    private static boolean capSysNice() {
        try {
            return Spares.capSysNice(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The nice value spares and successors start at (0 when the pool may not lower it back). */
    public int startNice() {
        return nice;
    }

    /**
     * {@code w} was just spawned: a spare or a successor starts at the lower priority.
     *
     * @return whether it did (the caller schedules {@link #unstarve} for half the startup timeout)
     */
    public boolean spawned(W w) {
        if (nice > 0 && (w.spare || w.predecessor != null)) {
            w.renice(nice);
            w.startedNiced = w.nice > 0;
        }
        return w.startedNiced;
    }

    /** Half its startup timeout after the spawn: a start still under way goes on at normal priority. */
    public void unstarve(W w) {
        if (!w.ready && w.exitReason == null) {
            w.renice(0);
        }
    }

    /** {@code w} said HELLO {@code startNanos} after its spawn. */
    public void ready(W w, long startNanos) {
        if (!w.startedNiced) {
            spares.started(startNanos);
        }
        w.renice(0);
    }

    /** A ready worker in a slot died and needs a replacement (not recycled, not stopped) at {@code now}. */
    public void crashed(long now) {
        spares.crashed(now);
    }

    /** Spares to keep now. */
    public int wanted(long now) {
        return spares.wanted(now);
    }

    /**
     * A spare for an empty slot: a ready one, else one still starting (it is further on than a new start would be),
     * at normal priority from now on; no longer a spare, still aside. Null when there is none.
     */
    public W take(Slots<W> slots) {
        W sp = slots.takeSpare();
        if (sp == null) {
            for (W w : slots.aside()) {
                if (w.spare && !w.stopping && w.exitReason == null) {
                    w.spare = false;
                    sp = w;
                    break;
                }
            }
        }
        if (sp != null) {
            sp.renice(0);
        }
        return sp;
    }

    /**
     * A ready spare beyond what the crash rate asks for now, no longer a spare (the caller ends it), or null. One at a
     * time: the caller asks on its periodic check.
     */
    public W extra(Slots<W> slots, long now) {
        if (!spares.sized() || slots.spares() <= spares.wanted(now)) {
            return null;
        }
        return slots.takeSpare();
    }
}
