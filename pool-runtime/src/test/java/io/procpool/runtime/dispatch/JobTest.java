package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** A job from another source is refused at construction when its body cannot hold the attempt number. */
class JobTest {

    private static final JobSink NONE = new JobSink() {
        @Override
        public void succeeded(Job job, byte[] result) {
        }

        @Override
        public void failed(Job job, Throwable error) {
        }
    };

    @Test
    void aSourceJobWhoseBodyCannotHoldTheAttemptFailsAtOnceNamingIt() {
        assertThatThrownBy(() -> new Job(7, "t", new byte[1], (Duration) null, 3, 1, NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("job 7: body must start with the 2 bytes reserved for the attempt, was 1 byte(s)");
        assertThatThrownBy(() -> new Job(8, "t", null, (Duration) null, 3, 1, NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith("was null");
        assertThat(new Job(9, "t", new byte[2], (Duration) null, 3, 1, NONE).id()).isEqualTo(9);
    }
}
