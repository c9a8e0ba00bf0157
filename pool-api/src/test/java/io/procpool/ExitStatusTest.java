package io.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExitStatusTest {

    @Test
    void decodesTheRawWaitStatusesSeenOnLinux() {
        assertThat(ExitStatus.fromWaitStatus(10, 0x0700)).isEqualTo(ExitStatus.exited(10, 7)).hasToString("exited 7");
        assertThat(ExitStatus.fromWaitStatus(10, 0x0000)).hasToString("exited 0").matches(ExitStatus::success);
        assertThat(ExitStatus.fromWaitStatus(10, 0x000f)).hasToString("killed by SIGTERM");
        assertThat(ExitStatus.fromWaitStatus(10, 0x0009)).hasToString("killed by SIGKILL");
        assertThat(ExitStatus.fromWaitStatus(10, 0x008b)).hasToString("killed by SIGSEGV (core dumped)");
        assertThat(ExitStatus.fromWaitStatus(10, 0xff00).exitCode()).isEqualTo(255);
    }

    @Test
    void stoppedOrContinuedIsNotAnExit() {
        assertThatThrownBy(() -> ExitStatus.fromWaitStatus(1, 0x137f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExitStatus.fromWaitStatus(1, 0xffff)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shellCodeAndPredicates() {
        ExitStatus killed = ExitStatus.killed(3, 9, false);
        assertThat(killed.signaled()).isTrue();
        assertThat(killed.exited()).isFalse();
        assertThat(killed.success()).isFalse();
        assertThat(killed.shellCode()).isEqualTo(137);
        assertThat(ExitStatus.exited(3, 2).shellCode()).isEqualTo(2);
    }

    @Test
    void rejectsImpossibleValues() {
        assertThatThrownBy(() -> new ExitStatus(1, 256, 0, false)).hasMessageContaining("exitCode must be 0..255");
        assertThatThrownBy(() -> new ExitStatus(1, 1, 9, false)).hasMessageContaining("no exit code");
        assertThatThrownBy(() -> new ExitStatus(1, 0, 65, false)).hasMessageContaining("signal must be 0..64");
    }

    @Test
    void namesEverySignal() {
        assertThat(Signal.nameOf(15)).isEqualTo("SIGTERM");
        assertThat(Signal.nameOf(35)).isEqualTo("SIGRTMIN+1");
        assertThat(Signal.nameOf(99)).isEqualTo("signal 99");
        assertThat(Signal.of(9)).contains(Signal.SIGKILL);
        assertThat(Signal.of(0)).isEmpty();
        for (Signal s : Signal.values()) {
            assertThat(Signal.of(s.number())).contains(s);
        }
    }
}
