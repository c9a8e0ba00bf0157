package io.procpool.runtime.supervise;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The slot table: one worker per slot (maxWorkers of them, more after a resize down until the extra ones leave),
 * whether a slot's restart is pending (its back-off runs), each slot's early deaths in a row (the back-off's
 * exponent), and the workers aside from the slots (successors starting, retired workers draining, warm spares).
 * I/O thread only.
 *
 * @param <W> the concrete worker type
 */
public final class Slots<W extends WorkerProcess<W>> {

    private W[] slots;
    private boolean[] pending;
    private int[] streak;
    private final List<W> aside = new ArrayList<>();

    /** @param array makes an array of the concrete worker type ({@code Worker[]::new}): {@link #table()} is one */
    public Slots(int size, IntFunction<W[]> array) {
        this.slots = array.apply(size);
        this.pending = new boolean[size];
        this.streak = new int[size];
    }

    /** The table itself, for a pass over every slot (null where a slot is empty); do not keep it. */
    public W[] table() {
        return slots;
    }

    public int length() {
        return slots.length;
    }

    public W get(int slot) {
        return slots[slot];
    }

    public void set(int slot, W w) {
        slots[slot] = w;
    }

    /** Whether the slot's restart is scheduled (its back-off runs). */
    public boolean pending(int slot) {
        return pending[slot];
    }

    public void pending(int slot, boolean scheduled) {
        pending[slot] = scheduled;
    }

    /** Early deaths in a row in the slot. */
    public int streak(int slot) {
        return streak[slot];
    }

    public void lengthenStreak(int slot) {
        streak[slot]++;
    }

    public void resetStreak(int slot) {
        streak[slot] = 0;
    }

    /** Makes room for {@code size} slots (a resize up); never shrinks. */
    public void grow(int size) {
        if (slots.length < size) {
            slots = Arrays.copyOf(slots, size);
            pending = Arrays.copyOf(pending, size);
            streak = Arrays.copyOf(streak, size);
        }
    }

    /** The workers outside the slots: successors starting, retired workers draining, warm spares. */
    public List<W> aside() {
        return aside;
    }

    /** Whether {@code w} holds its slot (a spare, a successor or a retired worker does not). */
    public boolean holds(W w) {
        return w.slot >= 0 && slots[w.slot] == w;
    }

    /** Every live worker, in slots and aside. */
    public List<W> all() {
        List<W> all = new ArrayList<>(slots.length + aside.size());
        for (W w : slots) {
            if (w != null) {
                all.add(w);
            }
        }
        all.addAll(aside);
        return all;
    }

    /** Workers in slots and slots about to be restarted. */
    public int live() {
        int live = 0;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null || pending[i]) {
                live++;
            }
        }
        return live;
    }

    /** A ready spare, no longer a spare (still aside), or null. */
    public W takeSpare() {
        for (W sp : aside) {
            if (sp.spare && sp.ready && !sp.stopping) {
                sp.spare = false;
                return sp;
            }
        }
        return null;
    }

    /** Spares alive, ready or starting. */
    public long spares() {
        return aside.stream().filter(w -> w.spare).count();
    }
}
