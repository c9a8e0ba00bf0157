package io.procpool.runtime.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(Durations.text(Duration.ZERO)).isEqualTo("0 ms");
        assertThat(Durations.text(Duration.ofMillis(5))).isEqualTo("5 ms");
        assertThat(Durations.text(Duration.ofNanos(1_500_000))).isEqualTo("1.5 ms");
        assertThat(Durations.text(Duration.ofMillis(600))).isEqualTo("600 ms");
        assertThat(Durations.text(Duration.ofSeconds(2))).isEqualTo("2 s");
        assertThat(Durations.text(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Durations.text(Duration.ofMinutes(1))).isEqualTo("1 min");
        assertThat(Durations.text(Duration.ofSeconds(90))).isEqualTo("1 min 30 s");
        assertThat(Durations.text(Duration.ofHours(2).plusMinutes(5))).isEqualTo("2 h 5 min");
        assertThat(Durations.count(1, "worker")).isEqualTo("1 worker");
        assertThat(Durations.count(2, "worker")).isEqualTo("2 workers");
    }
}
