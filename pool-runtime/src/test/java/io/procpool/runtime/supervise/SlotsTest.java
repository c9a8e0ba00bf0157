package io.procpool.runtime.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The slot table alone: no process. */
class SlotsTest {

    static final class W extends WorkerProcess<W> {
        W(int slot) {
            super(slot, "w" + slot);
        }

        @Override
        public boolean holdsWork() {
            return false;
        }
    }

    @Test
    void aWorkerHoldsItsSlotOnlyWhileItIsTheOneInIt() {
        Slots<W> slots = new Slots<>(2, W[]::new);
        W a = new W(0);
        W successor = new W(0);
        slots.set(0, a);
        slots.aside().add(successor);
        assertThat(slots.holds(a)).isTrue();
        assertThat(slots.holds(successor)).isFalse();
        assertThat(slots.holds(new W(-1))).isFalse();  // a spare
        assertThat(slots.all()).containsExactly(a, successor);
    }

    @Test
    void liveCountsWorkersAndPendingRestarts() {
        Slots<W> slots = new Slots<>(3, W[]::new);
        slots.set(0, new W(0));
        slots.pending(2, true);
        assertThat(slots.live()).isEqualTo(2);
        slots.grow(5);
        assertThat(slots.length()).isEqualTo(5);
        assertThat(slots.table()).isInstanceOf(W[].class);  // the caller's array type survives a resize
        assertThat(slots.pending(2)).isTrue();
        slots.grow(1);
        assertThat(slots.length()).isEqualTo(5);
    }

    @Test
    void onlyAReadySpareThatIsNotStoppingIsTaken() {
        Slots<W> slots = new Slots<>(1, W[]::new);
        W starting = new W(-1);
        starting.spare = true;
        W ready = new W(-1);
        ready.spare = true;
        ready.ready = true;
        slots.aside().add(starting);
        slots.aside().add(ready);
        assertThat(slots.spares()).isEqualTo(2);
        assertThat(slots.takeSpare()).isSameAs(ready);
        assertThat(ready.spare).isFalse();
        assertThat(slots.takeSpare()).isNull();
        assertThat(slots.spares()).isEqualTo(1);
    }

    @Test
    void theStreakCountsEarlyDeathsInARow() {
        Slots<W> slots = new Slots<>(1, W[]::new);
        slots.lengthenStreak(0);
        slots.lengthenStreak(0);
        assertThat(slots.streak(0)).isEqualTo(2);
        slots.resetStreak(0);
        assertThat(slots.streak(0)).isZero();
    }
}
