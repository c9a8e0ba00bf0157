package io.procpool.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.Codec;
import io.procpool.ProtocolException;
import io.procpool.TaskFuture;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A line-mode worker that closes its stdout and lives on can answer nothing more: it is killed, never waited for. */
@ExtendWith(NoChildLeft.class)
class ClosedOutputTest {

    @Test
    void aLineWorkerThatClosesItsStdoutAndLivesOnIsKilledAndItsRequestFails() throws Exception {
        // answers the first request, then closes its stdout on the second and sleeps
        try (ExecPool<String, String> pool = ExecPool.builder(Codec.utf8(), Codec.utf8()).name("mute").workers(1)
                .maxAttempts(1).restartBackoff(Duration.ofMillis(5), Duration.ofMillis(20)).lineMode()
                .command("sh", "-c", "read l; echo \"ok $l\"; read l; exec >&-; exec sleep 600").build()) {
            assertThat(pool.submit("a").get(30, TimeUnit.SECONDS)).isEqualTo("ok a");
            TaskFuture<String> stuck = pool.submit("b");
            assertThatThrownBy(() -> stuck.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("closed its stdout but did not exit");
            assertThat(pool.submit("c").get(30, TimeUnit.SECONDS)).isEqualTo("ok c");  // its replacement answers
        }
    }
}
