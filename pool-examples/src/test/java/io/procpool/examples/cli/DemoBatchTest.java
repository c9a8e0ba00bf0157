package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The demo's items are pure functions of the seed: runs can be checked against a recomputation. */
class DemoBatchTest {

    @Test
    void sameSeedMakesTheSameItemsAndTheSameCheck() {
        DemoBatch a = new DemoBatch(50, 42, 0.1, 100);
        DemoBatch b = new DemoBatch(50, 42, 0.1, 100);
        for (int i = 0; i < 50; i++) {
            assertThat(a.item(i)).isEqualTo(b.item(i));
        }
        assertThat(a.expectedCheck()).isEqualTo(b.expectedCheck());
        assertThat(new DemoBatch(50, 43, 0.1, 100).expectedCheck()).isNotEqualTo(a.expectedCheck());
    }

    @Test
    void crashRateChoosesAboutThatShareOfTheItems() {
        assertThat(new DemoBatch(10_000, 42, 0.0, 1).crashCount()).isZero();
        assertThat(new DemoBatch(10_000, 42, 1.0, 1).crashCount()).isEqualTo(10_000);
        assertThat(new DemoBatch(10_000, 42, 0.01, 1).crashCount()).isBetween(60, 140);
    }

    @Test
    void checkDoesNotDependOnTheCrashRate() {
        // a crashed item is retried and computes the same value: crashes change the restarts, not the results
        assertThat(new DemoBatch(30, 7, 0.5, 50).expectedCheck()).isEqualTo(new DemoBatch(30, 7, 0, 50).expectedCheck());
    }

    @Test
    void checkIsTheSumOfTermsInAnyOrder() {
        long forward = DemoBatch.checkTerm(0, 11) + DemoBatch.checkTerm(1, 22);
        long backward = DemoBatch.checkTerm(1, 22) + DemoBatch.checkTerm(0, 11);
        assertThat(forward).isEqualTo(backward);
        assertThat(DemoBatch.checkTerm(0, 22) + DemoBatch.checkTerm(1, 11)).isNotEqualTo(forward);
        assertThat(DemoBatch.format(0xabcL)).isEqualTo("0000000000000abc");
    }

    @Test
    void impossibleValuesAreRefused() {
        assertThatThrownBy(() -> new DemoBatch(-1, 42, 0.1, 1)).hasMessageContaining("items");
        assertThatThrownBy(() -> new DemoBatch(1, 42, Double.NaN, 1)).hasMessageContaining("crashRate");
        assertThatThrownBy(() -> new HashChain(1, 0, false)).hasMessageContaining("rounds");
    }
}
