package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.Hostile;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that attacks its shared ring (process.SharedRing) from the other side, as hostile_worker.py (which gets a
 * ring as a JVM worker does): every task still ends, a broken ring costs only its worker, and the pool serves on.
 */
@ExtendWith(NoChildLeft.class)
class RingAttackTest {

    private static TaskPool.Builder hostile(Path dir, String... steps) throws Exception {
        return FaultTest.hostile(dir, steps).name("ring-attack");
    }

    private static Throwable failure(TaskFuture<?> f) throws Exception {
        return FaultTest.failure(f);
    }

    private static int answer(TaskPool pool) throws Exception {
        return pool.submit(() -> 1).get(60, TimeUnit.SECONDS);
    }

    @Test
    void aWritePositionMovedBackwardsOrByOddAmountsCostsOnlyItsWorker(@TempDir Path dir) throws Exception {
        // -1 once its answer was taken: behind the manager's own read position; +7 and +3: garbage (zeros) read as
        // the start of frames; -4096: far behind (a huge unsigned position); a lap ahead plus one: more than it holds.
        // (A position moved back but not behind what the manager took reads as a frame not yet whole: the same as a
        // worker that stops in the middle of a frame on its socket, for a heartbeat or a timeout to find.)
        try (TaskPool pool = hostile(dir, "reply " + Hostile.result(42), "tail -1", "tail 7", "tail 3;exit 0",
                "tail -4096", "tail 262145").build()) {
            assertThat(answer(pool)).isEqualTo(42);
            for (int i = 0; i < 5; i++) {
                assertThat(failure(pool.submit(() -> 1))).as("step " + i).isInstanceOf(WorkerCrashedException.class);
            }
            assertThat(answer(pool)).isEqualTo(42);
        }
    }

    @Test
    void aWorkerThatRewritesTheReadPositionOrTheSleepWordOnlyConfusesItself(@TempDir Path dir) throws Exception {
        try (TaskPool pool = hostile(dir, "head 123456789;reply " + Hostile.result(42), "asleep 0;reply "
                + Hostile.result(42), "asleep 4294967295;reply " + Hostile.result(42), "head 0;asleep 1;reply "
                + Hostile.result(42)).build()) {
            for (int i = 0; i < 6; i++) {
                assertThat(answer(pool)).as("task " + i).isEqualTo(42);
            }
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void aFloodOfDoorbellsIsDroppedAndTheAnswersStillArrive(@TempDir Path dir) throws Exception {
        try (TaskPool pool = hostile(dir, "bells 4000000;reply " + Hostile.result(42), "bells 1;bells 1;reply "
                + Hostile.result(42)).build()) {
            assertThat(answer(pool)).isEqualTo(42);
            assertThat(answer(pool)).isEqualTo(42);
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void anAnswerInAFullRingOfAWorkerThatDiedMidFrameIsDeliveredAndTheCutFrameIsNot(@TempDir Path dir)
            throws Exception {
        // two attempts: the next task may go to the worker after its answer was read, before its exit is handled
        try (TaskPool pool = hostile(dir, "fulldie " + Hostile.result(42)).maxAttempts(2).build()) {
            // the worker never rang: its death (the socket's end), or the manager's next look, reads the ring out
            assertThat(answer(pool)).isEqualTo(42);
            assertThat(answer(pool)).as("its replacement").isEqualTo(42);
        }
    }

    @Test
    void aResultLargerThanTheRingGoesThroughItInLaps(@TempDir Path dir) throws Exception {
        byte[] big = new byte[(1 << 20) + 12345];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i % 251);
        }
        try (TaskPool pool = hostile(dir, "reply " + Hostile.result(big)).build()) {
            TaskFuture<byte[]> f = pool.submit(() -> new byte[0]);
            assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(big);
            assertThat(answer(pool)).isEqualTo(42);
        }
    }
}
