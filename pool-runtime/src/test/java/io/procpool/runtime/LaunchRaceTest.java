package io.procpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.Codec;
import io.procpool.runtime.dispatch.EngineProbe;
import io.procpool.runtime.testing.NoChildLeft;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recycling successor that is still being spawned (on the launch thread) when the pool is shut down: it is killed
 * as soon as it runs, or its spawn fails. Either way it must not stay linked to its predecessor, whose later exit
 * would otherwise put the dead successor into the slot: no worker left to exit, so the pool never terminates.
 */
@ExtendWith(NoChildLeft.class)
class LaunchRaceTest {

    /** A line-mode worker: echoes each line; at the end of its input it exits once the gate file (its $1) is there. */
    private static final String WORKER = """
            #!/bin/sh
            while IFS= read -r line; do printf '%s\\n' "$line"; done
            while [ ! -e "$1" ]; do sleep 0.02; done
            """;

    @TempDir
    Path dir;

    private ExecPool<String, String> pool(Path program, Path gate) throws Exception {
        Files.writeString(program, WORKER);
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
        ExecPool<String, String> pool = ExecPool.builder(Codec.utf8(), Codec.utf8()).name("launchrace").lineMode()
                .command(program.toString(), gate.toString()).workers(1).build();
        assertThat(pool.submit("a").get(60, TimeUnit.SECONDS)).isEqualTo("a");
        return pool;
    }

    /** Line mode: the successor says HELLO as it is spawned, after its predecessor was told to finish. */
    @Test
    void aSuccessorKilledWhileBeingSpawnedDoesNotTakeTheSlotWhenItsPredecessorExits() throws Exception {
        Path gate = dir.resolve("gate");
        ExecPool<String, String> pool = pool(dir.resolve("worker.sh"), gate);
        try {
            EngineProbe.retireThenShutdown(pool.engine, 0);
            // the successor ran, was killed, and is reaped; its predecessor waits at the gate
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> pool.engine.spawner().reapedCount() == 1);
            EngineProbe.barrier(pool.engine);
            Files.createFile(gate);
            assertThat(pool.awaitTermination(Duration.ofSeconds(30))).as("terminated").isTrue();
            assertThat(pool.stats().starting() + pool.stats().idle() + pool.stats().busy()).isZero();
        } finally {
            stop(pool, gate);
        }
    }

    /** Any mode: the successor's spawn fails (its program is gone) after the pool was shut down. */
    @Test
    void aSuccessorWhoseSpawnFailsAfterItWasKilledDoesNotTakeTheSlotWhenItsPredecessorExits() throws Exception {
        Path gate = dir.resolve("gate");
        Path program = dir.resolve("worker.sh");
        ExecPool<String, String> pool = pool(program, gate);
        try {
            Files.delete(program);  // the successor's posix_spawnp fails with ENOENT
            EngineProbe.retireThenShutdown(pool.engine, 0);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().starting() == 0);
            EngineProbe.barrier(pool.engine);
            Files.createFile(gate);
            assertThat(pool.awaitTermination(Duration.ofSeconds(30))).as("terminated").isTrue();
            assertThat(pool.engine.spawner().spawnedCount()).isEqualTo(1);
        } finally {
            stop(pool, gate);
        }
    }

    /** Ends the pool whatever the test found; a pool that cannot terminate is left behind (close() would wait forever). */
    private static void stop(ExecPool<String, String> pool, Path gate) throws Exception {
        if (!Files.exists(gate)) {
            Files.createFile(gate);
        }
        pool.shutdownNow();
        pool.awaitTermination(Duration.ofSeconds(10));
    }
}
