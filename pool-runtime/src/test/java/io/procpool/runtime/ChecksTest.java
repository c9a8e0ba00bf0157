package io.procpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A builder setting out of range fails at once, naming the setting and the value; no process is started. */
@ExtendWith(NoChildLeft.class)
class ChecksTest {

    @Test
    void wrongSettingsNameTheFieldAndTheValue() {
        assertThatThrownBy(() -> TaskPool.builder().workers(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workers").hasMessageContaining("was 0");
        assertThatThrownBy(() -> TaskPool.builder().cancelGrace(Duration.ofSeconds(-2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cancelGrace")
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> TaskPool.builder().env("A=B", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'A=B'");
        assertThatThrownBy(() -> TaskPool.builder().env("A", "x\0y")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("env value of A");
        assertThatThrownBy(() -> TaskPool.builder().spares(1, 17)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxSpares must be 0..16, was 17");
        assertThatThrownBy(() -> TaskPool.builder().spareNice(20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spareNice must be 0..19, was 20");
        assertThatThrownBy(() -> TaskPool.builder().spares(3, 2).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxSpares must not be below spares (3), was 2");
        assertThat(Checks.range("prefetch", 16, 0, 1024)).isEqualTo(16);
    }
}
