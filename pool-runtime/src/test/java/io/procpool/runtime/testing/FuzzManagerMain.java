package io.procpool.runtime.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;

/**
 * A manager JVM (the test gives it a small heap) whose workers answer every task with random or mutated frames
 * (hostile_worker.py, HOSTILE_FUZZ): args seed, tasks, a scratch directory. Prints one line per outcome class and
 * {@code fuzz: all N tasks ended, pool serving}, exit 0; or {@code PENDING} and exit 1 when a future stays pending.
 */
public final class FuzzManagerMain {

    public static void main(String[] args) throws Exception {
        long seed = Long.parseLong(args[0]);
        int n = Integer.parseInt(args[1]);
        Path dir = Files.createDirectories(Path.of(args[2]));
        TaskPool pool = TaskPool.builder().name("fuzz").workers(2).prefetch(4).maxAttempts(1)
                .taskTimeout(Duration.ofSeconds(1)).cancelGrace(Duration.ofMillis(100))
                .restartBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .crashLoopLimit(Integer.MAX_VALUE, Duration.ofMinutes(1))
                .javaCommand(Hostile.command(dir).toString())
                .env("HOSTILE_FUZZ", Long.toString(seed)).env("HOSTILE_CAPS", "started")
                .env("HOSTILE_OK", Hostile.result(42)).build();
        List<TaskFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(() -> 1));
        }
        ManagerOutcomes.report("fuzz", pool, futures, 60, "value", true);
    }
}
