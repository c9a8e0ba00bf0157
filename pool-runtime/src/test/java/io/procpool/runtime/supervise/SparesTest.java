package io.procpool.runtime.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The spare sizing and priority rules alone: no process, no clock. */
class SparesTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long T0 = 1_000_000 * MS;

    private static Spares measured(int floor, int cap, long startMillis) {
        Spares s = new Spares(floor, cap);
        s.started(startMillis * MS);
        return s;
    }

    @Test
    void withoutCrashesTheFloorIsKept() {
        assertThat(measured(1, 4, 300).wanted(T0)).isEqualTo(1);
        assertThat(measured(0, 4, 300).wanted(T0)).isZero();
    }

    @Test
    void oneCrashWantsOneSpareMore() {
        Spares s = measured(1, 4, 300);
        s.crashed(T0);
        assertThat(s.wanted(T0)).isEqualTo(2);
    }

    @Test
    void aBurstWithinOneStartTimeWantsOneSparePerCrash() {
        Spares s = measured(0, 8, 300);
        for (int i = 0; i < 3; i++) {
            s.crashed(T0 + i * 10 * MS);  // 3 crashes in 20 ms, a start takes 300 ms
        }
        assertThat(s.wanted(T0 + 20 * MS)).isEqualTo(3);
    }

    @Test
    void aSteadyRateWantsTheCrashesOfOneStartTime() {
        Spares s = measured(0, 16, 500);
        for (int i = 0; i < 40; i++) {
            s.crashed(T0 + i * 250 * MS);  // 4 a second for 10 s; a start takes 0.5 s: 2 crashes per start
        }
        assertThat(s.wanted(T0 + 39 * 250 * MS)).isEqualTo(2);
    }

    @Test
    void slowCrashesWantOneSpare() {
        Spares s = measured(0, 4, 300);
        s.crashed(T0);
        s.crashed(T0 + 5_000 * MS);
        assertThat(s.wanted(T0 + 5_000 * MS)).isEqualTo(1);
    }

    @Test
    void theCountIsCapped() {
        Spares s = measured(1, 3, 1000);
        for (int i = 0; i < 20; i++) {
            s.crashed(T0 + i * MS);
        }
        assertThat(s.wanted(T0 + 20 * MS)).isEqualTo(3);
    }

    @Test
    void crashesOlderThanTheWindowNoLongerCount() {
        Spares s = measured(1, 4, 300);
        s.crashed(T0);
        assertThat(s.wanted(T0 + Spares.WINDOW_NANOS)).isEqualTo(2);
        assertThat(s.wanted(T0 + Spares.WINDOW_NANOS + 1)).isEqualTo(1);
    }

    @Test
    void aCapAtTheFloorTurnsTheSizingOff() {
        Spares s = measured(2, 2, 300);
        s.crashed(T0);
        assertThat(s.sized()).isFalse();
        assertThat(s.wanted(T0)).isEqualTo(2);
    }

    @Test
    void theRingKeepsTheNewestCrashes() {
        Spares s = measured(0, 16, 100);
        for (int i = 0; i < Spares.CRASHES * 3; i++) {
            s.crashed(T0 + i * MS);
        }
        long now = T0 + (Spares.CRASHES * 3 - 1) * MS;
        assertThat(s.wanted(now)).isEqualTo(16);  // 64 crashes in 63 ms: capped
        assertThat(s.wanted(now + Spares.WINDOW_NANOS)).isEqualTo(1);  // only the newest is in the window
    }

    @Test
    void theStartTimeIsTheMedianOfTheLastStarts() {
        Spares s = new Spares(0, 4);
        assertThat(s.startNanos(7)).isEqualTo(7);
        for (long ms : new long[] {900, 100, 300, 200, 5000}) {
            s.started(ms * MS);
        }
        assertThat(s.startNanos(7)).isEqualTo(300 * MS);
        for (int i = 0; i < Spares.STARTS; i++) {
            s.started(50 * MS);
        }
        assertThat(s.startNanos(7)).isEqualTo(50 * MS);
    }

    @Test
    void aFloorAboveTheCapIsRejected() {
        assertThatThrownBy(() -> new Spares(3, 2)).hasMessageContaining("floor 3, cap 2");
    }

    @Test
    void sparesAreNicedOnlyWhereThePoolCanRaiseThemBack() {
        assertThat(Spares.startNice(10, true, 0)).isEqualTo(10);
        assertThat(Spares.startNice(10, false, 20)).isEqualTo(10);
        assertThat(Spares.startNice(10, false, 19)).isZero();
        assertThat(Spares.startNice(10, false, 0)).isZero();
        assertThat(Spares.startNice(0, true, 40)).isZero();
    }

    @Test
    void capSysNiceIsBit23OfTheEffectiveCapabilities() {
        assertThat(Spares.capSysNice("Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n")).isTrue();
        assertThat(Spares.capSysNice("CapPrm:\t0000000000800000\nCapEff:\t0000000000000000\n")).isFalse();
        assertThat(Spares.capSysNice("CapEff:\t0000000000800000\n")).isTrue();
        assertThat(Spares.capSysNice("Name:\tjava\n")).isFalse();
    }
}
