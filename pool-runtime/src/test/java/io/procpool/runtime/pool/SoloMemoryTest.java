package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker of capacity 1 that is short of memory (-Xmx64m): the serialization buffer a large result grows must not
 * be kept twice (once per thread of the worker), and a growth that ran out of memory must not leave that buffer
 * broken for the results after it. Each task below returns only once another thread of the worker reads its channel
 * (the worker's reader; in a worker whose two threads take turns, the other one), so the next task is read, and
 * run, by that thread: the tasks run on every thread the worker runs tasks on, whatever the machine's speed.
 */
@ExtendWith(NoChildLeft.class)
class SoloMemoryTest {

    private static final int MIB = 1 << 20;

    /** What the worker keeps between tasks: a state that an initializer would hold (a model, a cache). */
    static final class Kept {
        static byte[] state;
    }

    /**
     * Keeps a state of {@code stateMib} MiB, waits until another thread of its worker blocks reading the channel,
     * and returns {@code resultKib} KiB.
     */
    record Big(int resultKib, int stateMib) implements Task<byte[]> {
        @Override
        public byte[] call() throws Exception {
            if (Kept.state == null || Kept.state.length != stateMib * MIB) {
                Kept.state = null;
                Kept.state = new byte[stateMib * MIB];
            }
            awaitAnotherReader();
            return new byte[resultKib << 10];
        }
    }

    /** Waits (a condition, not a time) until a thread other than this one waits in a read of the channel. */
    static void awaitAnotherReader() throws InterruptedException {
        Thread self = Thread.currentThread();
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < deadline; ) {
            for (var e : Thread.getAllStackTraces().entrySet()) {
                if (e.getKey() != self && readsTheChannel(e.getValue())) {
                    return;
                }
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("no other thread of the worker read its channel within 60 s");
    }

    private static boolean readsTheChannel(StackTraceElement[] stack) {
        for (StackTraceElement f : stack) {
            if (f.getClassName().startsWith("io.procpool.runtime.worker.")) {
                // blocked in read(2), or waiting in poll(2) before it (worker.PollIn)
                return stack.length > 0 && (stack[0].getClassName().equals("java.io.FileInputStream")
                        || stack[0].getClassName().equals("sun.nio.ch.Net"));
            }
        }
        return false;
    }

    private static TaskPool.Builder small() {
        return TaskPool.builder().name("small").workers(1).capacity(1).maxAttempts(1)
                .jvmOptions(List.of("-XX:+UseSerialGC", "-Xmx64m"));
    }

    private static String outcome(TaskFuture<byte[]> f) throws Exception {
        try {
            return f.get(120, TimeUnit.SECONDS).length + " bytes";
        } catch (ExecutionException e) {
            return e.getCause().toString();
        }
    }

    /**
     * 16 MiB of state and results of 9 MiB: a worker keeps one 16 MiB buffer for its results (it grows to the largest
     * and stays), which fits in 64 MiB; a buffer for each of two threads (32 MiB) does not, and results fail with
     * OutOfMemoryError.
     */
    @Test
    void aWorkerShortOfMemoryAnswersLargeResultsWhicheverThreadRunsTheTask() throws Exception {
        try (TaskPool pool = small().build()) {
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                outcomes.add(outcome(pool.submit(new Big(9 * 1024, 16))));
            }
            assertThat(outcomes).as("each task's result, or its failure").containsOnly((9 * MIB) + " bytes");
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    /**
     * A result whose buffer ran out of memory while it grew (a large state kept beside it) fails with
     * OutOfMemoryError; once the state is gone, the same results fit again and must be answered: the buffer that
     * failed to grow must not stay broken (Kryo raises its capacity before it allocates the larger array).
     */
    @Test
    void aResultThatRanOutOfMemoryWhileEncodedLeavesLaterResultsWhole() throws Exception {
        try (TaskPool pool = small().build()) {
            String first = outcome(pool.submit(new Big(9 * 1024, 40)));
            assertThat(first).as("the result encoded beside a 40 MiB state").contains("OutOfMemoryError");
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                outcomes.add(outcome(pool.submit(new Big(9 * 1024, 1))));
            }
            assertThat(outcomes).as("each later task's result, or its failure").containsOnly((9 * MIB) + " bytes");
            assertThat(pool.stats().restarts()).isZero();
        }
    }
}
