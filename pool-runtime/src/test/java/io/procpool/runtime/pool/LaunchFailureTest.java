package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.procpool.Codec;
import io.procpool.PoolListener;
import io.procpool.WorkerInfo;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Spawns that fail on the launch thread (the program is gone) in the phases no other test covers. */
@ExtendWith(NoChildLeft.class)
class LaunchFailureTest {

    @TempDir
    Path dir;

    /** A recycling successor that cannot be spawned: its predecessor keeps the slot and serves on. */
    @Test
    void aSuccessorThatCannotBeSpawnedLeavesItsPredecessorServing() throws Exception {
        Path program = dir.resolve("echo.sh");
        Files.writeString(program, "#!/bin/sh\nwhile IFS= read -r line; do printf '%s\\n' \"$line\"; done\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
        CompletableFuture<WorkerInfo> first = new CompletableFuture<>();
        PoolListener started = new PoolListener() {
            @Override
            public void workerStarted(WorkerInfo worker) {
                first.complete(worker);
            }
        };
        try (ExecPool<String, String> pool = ExecPool.builder(Codec.utf8(), Codec.utf8()).name("nosuccessor")
                .lineMode().command(program.toString()).workers(1).maxTasksPerWorker(1).listener(started)
                .crashLoopLimit(100, Duration.ofMinutes(1)).build()) {
            // a line worker is ready once spawned, but sh opens its script a moment later: delete it only after that
            long pid = first.get(60, TimeUnit.SECONDS).pid();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> opens(pid, program));
            Files.delete(program);  // every spawn from now on fails with ENOENT
            for (int i = 0; i < 5; i++) {  // each task retires the worker; each successor fails to spawn
                assertThat(pool.submit("t" + i).get(60, TimeUnit.SECONDS)).isEqualTo("t" + i);
            }
            assertThat(pool.stats().recycled()).isZero();
            assertThat(pool.stats().restarts()).isZero();
            assertThat(pool.stats().idle() + pool.stats().busy()).isEqualTo(1);
        }
    }

    /** A warm spare that died, and whose replacement cannot be spawned: the pool serves on without a spare. */
    @Test
    void aSpareThatCannotBeReplacedLeavesThePoolServing() throws Exception {
        Path program = echo("echo2.sh");
        CompletableFuture<WorkerInfo> spare = new CompletableFuture<>();
        PoolListener spares = new PoolListener() {
            @Override
            public void workerReady(WorkerInfo worker, Duration startup) {
                if (worker.id().endsWith("-spare")) {
                    spare.complete(worker);
                }
            }
        };
        try (ExecPool<String, String> pool = ExecPool.builder(Codec.utf8(), Codec.utf8()).name("nospare")
                .lineMode().command(program.toString()).workers(1).spares(1).listener(spares).build()) {
            long pid = spare.get(60, TimeUnit.SECONDS).pid();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().spares() == 1);
            assertThat(pool.submit("first").get(60, TimeUnit.SECONDS)).isEqualTo("first");  // its sh read its script
            Files.delete(program);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().spares() == 0
                    && pool.stats().starting() == 0);
            assertThat(pool.submit("a").get(60, TimeUnit.SECONDS)).isEqualTo("a");
            assertThat(pool.stats().idle() + pool.stats().busy()).isEqualTo(1);
        }
    }

    /** Whether process {@code pid} holds {@code file} open. */
    private static boolean opens(long pid, Path file) {
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (java.io.IOException gone) {
                    return false;
                }
            });
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    private Path echo(String name) throws Exception {
        Path program = dir.resolve(name);
        Files.writeString(program, "#!/bin/sh\nwhile IFS= read -r line; do printf '%s\\n' \"$line\"; done\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
        return program;
    }
}
