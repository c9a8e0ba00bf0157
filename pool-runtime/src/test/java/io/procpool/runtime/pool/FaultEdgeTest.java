package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolListener;
import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.TaskFuture;
import io.procpool.WorkerInfo;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults found by a review of the fault fixes: listeners that stop the pool, repeated shutdownNow, interrupted
 * writes, tasks that kill their worker before it can start them, JDK collections.
 */
@ExtendWith(NoChildLeft.class)
class FaultEdgeTest {

    private static String outcome(TaskFuture<?> f) throws Exception {
        try {
            return "value " + f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage();
        } catch (java.util.concurrent.CancellationException e) {
            return "cancelled";
        }
    }

    /**
     * shutdownNow keeps its list of never-started tasks in the field {@code stopping} and never resets it: a second
     * call (the caller's, then close()'s, or two callers) gets every task of the first call again.
     */
    @Test
    void aSecondShutdownNowDoesNotReturnTheSameTasksAgain(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (TaskPool pool = TaskPool.builder().name("twice").workers(1).build()) {
            pool.submit(new LifecycleTest.WaitFor(go.toString(), 1));
            for (int i = 0; i < 5; i++) {
                pool.submit(() -> 2);
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> Files.exists(Path.of(go + ".started")));
            assertThat(pool.shutdownNow()).hasSize(5);
            assertThat(pool.shutdownNow()).as("tasks handed back by the first shutdownNow").isEmpty();
            assertThat(pool.awaitTermination(Duration.ofSeconds(60))).isTrue();
        }
    }

    /**
     * A listener (on the I/O thread) that calls shutdownNow while another thread's shutdownNow waits for the workers'
     * exits: the I/O-thread path sets {@code stopping = null} while {@code stopResults} still holds the other caller's
     * future, and the next maybeStopped() throws a NullPointerException in onExit, before maybeTerminated(): the pool
     * never terminates (close() hangs for good), the waiting shutdownNow gives up after 10 s, and the held tasks that
     * never started are cancelled instead of returned.
     */
    @Test
    void aListenerCallingShutdownNowDuringAnotherShutdownNowLetsThePoolTerminate(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        AtomicReference<TaskPool> ref = new AtomicReference<>();
        PoolListener stopAll = new PoolListener() {
            @Override
            public void workerExited(WorkerInfo worker, ExitStatus status, ExitReason reason) {
                TaskPool p = ref.get();
                if (p != null) {
                    p.shutdownNow();  // "one worker gone: stop everything"
                }
            }
        };
        TaskPool pool = TaskPool.builder().name("reentrant").workers(1).prefetch(4).listener(stopAll).build();
        ref.set(pool);
        try {
            pool.submit(new LifecycleTest.WaitFor(go.toString(), 1));
            for (int i = 0; i < 4; i++) {
                pool.submit(() -> 2);  // held by the worker, never started
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> Files.exists(Path.of(go + ".started")));
            long t0 = System.nanoTime();
            List<Task<?>> neverStarted = pool.shutdownNow();
            long tookMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(pool.awaitTermination(Duration.ofSeconds(30))).as("terminated").isTrue();
            assertThat(neverStarted).as("the held tasks that never started").hasSize(4);
            assertThat(tookMillis).as("shutdownNow took (ms)").isLessThan(5000);
        } finally {
            // close() would wait forever on a pool that never terminates: give it 30 s on the side
            CompletableFuture<Void> closed = CompletableFuture.runAsync(pool::close);
            try {
                closed.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException stuck) {
                // reported by the assertions above
            }
        }
    }

    /**
     * A listener that stops the pool when a worker dies. onExit takes the dead worker out of its slot, then calls
     * workerExited; the listener's shutdownNow (I/O-thread path) runs stopNow -> maybeTerminated, which finds no
     * worker left and terminates the pool: the completer is stopped. Back in onExit, the dead worker's held tasks are
     * settled after that, and their completions go to a completer that no longer runs: those futures never complete,
     * although awaitTermination says the pool terminated.
     */
    @Test
    void aShutdownNowFromAWorkerExitedListenerLeavesNoFuturePending() throws Exception {
        AtomicReference<TaskPool> ref = new AtomicReference<>();
        PoolListener stopOnCrash = new PoolListener() {
            @Override
            public void workerExited(WorkerInfo worker, ExitStatus status, ExitReason reason) {
                if (reason == ExitReason.CRASH && ref.get() != null) {
                    ref.get().shutdownNow();
                }
            }
        };
        TaskPool pool = TaskPool.builder().name("stop-on-crash").workers(1).prefetch(3).maxAttempts(1)
                .listener(stopOnCrash).build();
        ref.set(pool);
        try {
            List<TaskFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(pool.submit(new FaultTest.Sleep(1000, i)));
            }
            futures.add(pool.submit(new FaultTest.HaltEvery(0, 1)));  // halts its worker when it runs
            for (int i = 0; i < 3; i++) {
                futures.add(pool.submit(new FaultTest.Sleep(1000, i)));
            }
            assertThat(pool.awaitTermination(Duration.ofSeconds(60))).isTrue();
            List<String> outcomes = new ArrayList<>();
            for (TaskFuture<?> f : futures) {
                try {
                    f.get(10, TimeUnit.SECONDS);
                    outcomes.add("done");
                } catch (java.util.concurrent.TimeoutException e) {
                    outcomes.add("PENDING");
                } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                    outcomes.add("done");
                }
            }
            assertThat(outcomes).as("every future completes").doesNotContain("PENDING");
        } finally {
            CompletableFuture<Void> closed = CompletableFuture.runAsync(pool::close);
            try {
                closed.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException stuck) {
                // reported above
            }
        }
    }

    /** The standard idiom (restore the interrupt), then an event: the task's thread now writes to the channel itself. */
    record InterruptedThenEmits() implements Task<Integer> {
        @Override
        public Integer call() {
            Thread.currentThread().interrupt();  // e.g. after catching an InterruptedException
            TaskContext.current().emit("stopping early");
            Thread.interrupted();
            return 1;
        }
    }

    /**
     * FrameWriter writes on the task's own thread to a SocketChannel, an InterruptibleChannel: a write by an interrupted
     * thread closes the channel (ClosedByInterruptException). The worker loses its channel for good, its answer is
     * never sent, and it exits: a crash charged to the task (and to any other task running in that worker). With
     * b4a804b's writer thread the event was queued and the task returned 1.
     */
    @Test
    void anEventEmittedByAnInterruptedTaskThreadDoesNotKillTheWorker() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("interrupted").workers(1).maxAttempts(1).build()) {
            List<Object> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            TaskFuture<Integer> f = pool.submit(new InterruptedThenEmits());
            f.onEvent(events::add);
            assertThat(outcome(f)).isEqualTo("value 1");
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    /** Emits progress events in a loop and does not look at interrupts (CPU-bound work between events). */
    /** Emits an event every millisecond until cancelled; then, its thread interrupted, one more, and stops. */
    record Progress(long millis) implements Task<Integer> {
        @Override
        public Integer call() {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            int i = 0;
            while (System.nanoTime() < end) {
                long spin = System.nanoTime() + 1_000_000;
                while (System.nanoTime() < spin) {
                    Thread.onSpinWait();
                }
                TaskContext.current().emit(i++);  // after the cancel: written by an interrupted thread
                if (TaskContext.current().isCancelled()) {
                    return -1;
                }
            }
            return i;
        }
    }

    /**
     * cancel(true) interrupts a task that emits progress events: its next emit closes the worker's channel (see
     * above), the worker exits, and an innocent task running beside it (capacity 2) fails with
     * WorkerCrashedException. Expected: the cancelled task is cancelled, the other returns its value, no restart.
     */
    @Test
    void cancellingATaskThatEmitsEventsDoesNotCrashTheTaskBesideIt() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("cancel-emit").workers(1).capacity(2).maxAttempts(1).build()) {
            TaskFuture<Integer> innocent = pool.submit(new FaultTest.Sleep(3000, 7));
            TaskFuture<Integer> progress = pool.submit(new Progress(20_000));
            CompletableFuture<Object> firstEvent = new CompletableFuture<>();
            progress.onEvent(firstEvent::complete);
            firstEvent.get(60, TimeUnit.SECONDS);
            progress.cancel(true);
            assertThat(outcome(innocent)).isEqualTo("value 7");
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    enum Size { S, M, L }

    record Sizes(java.util.EnumSet<Size> sizes) implements Task<Integer> {
        @Override
        public Integer call() {
            return sizes.size();
        }
    }

    /**
     * CheckedKryo's Collection/Map defaults shadow Kryo's built-in serializers (see SerializationEdgeTest): a task returning
     * Arrays.asList fails in the manager (NullPointerException decoding it), a task holding an EnumSet fails in the
     * worker (ClassCastException decoding the task). Both worked at b4a804b.
     */
    @Test
    void commonJdkCollectionsStillTravel() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("jdk").workers(1).maxAttempts(1).build()) {
            assertThat(outcome(pool.submit(() -> java.util.Arrays.asList("a", "b")))).isEqualTo("value [a, b]");
            assertThat(outcome(pool.submit(new Sizes(java.util.EnumSet.of(Size.S, Size.L))))).isEqualTo("value 2");
        }
    }

    record Big(byte[] data) implements Task<Integer> {
        @Override
        public Integer call() {
            return data.length;
        }
    }

    /**
     * A task whose frame kills the worker before it can say STARTED (here: its 24 MiB TASK frame does not fit the
     * reader's heap, the reader halts the worker with 70). No STARTED, so no attempt is ever charged: the task goes
     * back to the front for free, kills each replacement the same way, and only the crash-loop breaker ends it, by
     * failing the whole pool (every task, the pool unusable). Had the dying workers done a task first (or lived
     * 10 s past HELLO) their deaths would not even count as early: the loop would never end and the future would
     * stay pending. Before the change the task counted as running (first `runs` held) and failed after maxAttempts.
     * Expected: the task fails with WorkerCrashedException after maxAttempts, and the pool still serves.
     */
    @Test
    void aTaskThatKillsItsWorkerBeforeStartedFailsAloneAfterMaxAttempts() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("poison").workers(1).maxAttempts(2)
                .jvmOptions(List.of("-XX:+UseSerialGC", "-Xmx16m")).maxMessageSize(64 << 20)
                .restartBackoff(Duration.ofMillis(5), Duration.ofMillis(20)).crashLoopLimit(4, Duration.ofMinutes(5))
                .build()) {
            assertThat(outcome(pool.submit(new Big(new byte[24 << 20])))).startsWith("WorkerCrashedException");
            assertThat(outcome(pool.submit(() -> 1))).isEqualTo("value 1");
        }
    }

    /**
     * Listeners are "logged and otherwise ignored" when they throw, but Listeners.each catches only RuntimeException
     * and LinkageError. An AssertionError (JUnit's assertion failures are AssertionErrors) thrown by workerReady now
     * lands in onMessage's new catch (Throwable), which calls it "a frame that could not be read" and kills the
     * healthy worker as a protocol error; every replacement dies the same way, and build() fails after
     * startupTimeout + 5 s saying the workers did not say HELLO.
     */
    @Test
    void aListenerThatThrowsAnErrorDoesNotKillHealthyWorkers() throws Exception {
        PoolListener buggy = new PoolListener() {
            @Override
            public void workerReady(WorkerInfo worker, Duration startup) {
                throw new AssertionError("a listener's own bug");
            }
        };
        try (TaskPool pool = TaskPool.builder().name("buggy-listener").workers(1).listener(buggy)
                .startupTimeout(Duration.ofSeconds(5)).restartBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .build()) {
            assertThat(outcome(pool.submit(() -> 1))).isEqualTo("value 1");
        }
    }

    /** shutdownNow while workers start (a resize), with a warm spare and prefetch: quick, exact, nothing pending. */
    @Test
    void shutdownNowWhileWorkersStartLeavesNothingPending() throws Exception {
        TaskPool pool = TaskPool.builder().name("starting").workers(2).spares(1).prefetch(2).build();
        try {
            List<TaskFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                futures.add(pool.submit(new FaultTest.Sleep(2000, i)));
            }
            pool.resize(4);
            Thread.sleep(100);
            long t0 = System.nanoTime();
            List<Task<?>> back = pool.shutdownNow();
            assertThat((System.nanoTime() - t0) / 1_000_000).as("shutdownNow took (ms)").isLessThan(5000);
            assertThat(pool.awaitTermination(Duration.ofSeconds(30))).isTrue();
            int cancelled = 0;
            for (TaskFuture<?> f : futures) {
                assertThat(f.isDone()).isTrue();
                cancelled += f.isCancelled() ? 1 : 0;
            }
            assertThat(back.size()).isLessThanOrEqualTo(cancelled).isGreaterThanOrEqualTo(16);
        } finally {
            pool.close();
        }
    }
}
