package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.procpool.QueueFullPolicy;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.BigResultsManagerMain;
import io.procpool.runtime.testing.Children;
import io.procpool.runtime.testing.Latches;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * User code in callbacks that now run on the I/O thread, as a hostile user writes it: nested gets down a chain of a
 * hundred tasks, a submit that waits for room the I/O thread must make, a pool closed under a stuck callback,
 * throwing callbacks and listeners, many slow callbacks. The pool must serve on, and every thread it lent to user
 * code must end once that code returns.
 */
@ExtendWith(NoChildLeft.class)
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)  // a loop that waits for its callback hangs
class CallOutAttackTest {

    private static FaultTest.Sleep sleep(long millis, int value) {
        return new FaultTest.Sleep(millis, value);
    }

    private static <T> T get(CompletableFuture<T> f) {
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The pool's I/O threads alive now (the loop's, and any still lent to a callback). */
    private static List<Thread> ioThreads(String pool) {
        List<Thread> io = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if ((n.equals("procpool-io-" + pool) || n.startsWith("procpool-io-" + pool + "-")) && !n.endsWith("-watch")) {
                io.add(t);
            }
        }
        return io;
    }

    private static void assertAllEnd(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(30_000);
            assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aChainOfOneHundredNestedGetsInCallbacksCompletes() throws Exception {
        List<Thread> io;
        try (TaskPool pool = TaskPool.builder().name("chain").workers(2).build()) {
            // two tasks hold the workers while the chain is built: its tasks then answer in submit order
            List<TaskFuture<Integer>> gates = List.of(pool.submit(sleep(1_000, 0)), pool.submit(sleep(1_000, 0)));
            List<TaskFuture<Integer>> f = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                f.add(pool.submit(sleep(0, i)));
            }
            // task i's callback waits for task i + 1's: the first answer's callback waits for all the others
            CompletableFuture<Integer> next = f.get(99).thenApply(v -> v);
            for (int i = 98; i >= 0; i--) {
                CompletableFuture<Integer> after = next;
                next = f.get(i).thenApply(v -> v + get(after));
            }
            assertThat(gates.get(0).isDone()).as("the chain was in place before its first answer").isFalse();
            assertThat(next.get(150, TimeUnit.SECONDS)).isEqualTo(99 * 100 / 2);
            io = ioThreads("chain");
        }
        assertAllEnd(io);
    }

    @Test
    void aSubmitInACallbackThatWaitsForRoomGoesThrough() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("cbwait").workers(2).prefetch(0).queueCapacity(1)
                .queueFullPolicy(QueueFullPolicy.WAIT).build()) {
            TaskFuture<Integer> busy = pool.submit(sleep(2_000, 9));  // holds one worker meanwhile
            CompletableFuture<String> ranOn = new CompletableFuture<>();
            CompletableFuture<List<TaskFuture<Integer>>> submitted = pool.submit(sleep(300, 0)).thenApply(v -> {
                ranOn.complete(Thread.currentThread().getName());
                // the first fills the queue; the second waits until the I/O loop sends the first to the free worker:
                // a loop that still waited for this callback would never make that room
                return List.of(pool.submit(sleep(0, 1)), pool.submit(sleep(0, 2)));
            });
            List<TaskFuture<Integer>> two = submitted.get(60, TimeUnit.SECONDS);
            assertThat(two.get(0).get(60, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(two.get(1).get(60, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(busy.get(60, TimeUnit.SECONDS)).isEqualTo(9);
            assertThat(ranOn.get()).startsWith("procpool-io-cbwait");
        }
    }

    @Test
    void closeReturnsWhileACallbackIsStuckAndItsThreadEndsOnceReleased() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Thread> stuck = new CompletableFuture<>();
        TaskPool pool = TaskPool.builder().name("stuckclose").workers(1).build();
        List<Thread> io;
        try {
            CompletableFuture<Void> callback = pool.submit(sleep(200, 1)).thenAccept(v -> {
                stuck.complete(Thread.currentThread());
                Latches.await(release, 120);
            });
            assertThat(stuck.get(60, TimeUnit.SECONDS).getName()).isEqualTo("procpool-io-stuckclose");
            assertThat(pool.submit(sleep(0, 2)).get(60, TimeUnit.SECONDS)).isEqualTo(2);  // the pool serves on
            pool.close();  // must not wait for the stuck callback
            assertThat(pool.isTerminated()).isTrue();
            assertThat(callback).isNotDone();
            io = ioThreads("stuckclose");
            assertThat(io).contains(stuck.get());
        } finally {
            release.countDown();
        }
        assertAllEnd(io);
    }

    @Test
    void aCallbackThatClosesThePoolAndAwaitsItsTerminationSeesItTerminate() throws Exception {
        TaskPool pool = TaskPool.builder().name("cbawait").workers(1).build();
        CompletableFuture<String> ranOn = new CompletableFuture<>();
        CompletableFuture<Boolean> terminated = pool.submit(sleep(200, 1)).thenApply(v -> {
            ranOn.complete(Thread.currentThread().getName());
            assertThat(pool.stats().completed()).isEqualTo(1);
            pool.close();  // from a thread of the pool: shuts down and returns at once
            try {
                return pool.awaitTermination(120, TimeUnit.SECONDS);  // the loop goes on without this thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        assertThat(terminated.get(150, TimeUnit.SECONDS)).isTrue();
        assertThat(ranOn.get()).isEqualTo("procpool-io-cbawait");
        assertThat(pool.isTerminated()).isTrue();
        pool.close();
    }

    @Test
    void callbacksAndListenersThatThrowLeaveThePoolServing() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("cbthrow").workers(1).build()) {
            TaskFuture<Integer> f = pool.submit(new CallbacksTest.Steps(300, 3));
            f.onEvent(e -> {
                throw new IllegalStateException("a listener that throws");
            });
            CompletableFuture<Integer> dependent = f.thenApply(v -> {
                throw new IllegalStateException("a callback that throws");
            });
            assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(3);
            assertThatThrownBy(() -> dependent.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasRootCauseMessage("a callback that throws");
            assertThat(pool.submit(sleep(0, 4)).get(60, TimeUnit.SECONDS)).isEqualTo(4);
        }
    }

    @Test
    void manySlowCallbacksEndWithEveryLentThreadGone() throws Exception {
        Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
        List<Thread> io;
        try (TaskPool pool = TaskPool.builder().name("slowcbs").workers(2).prefetch(4).build()) {
            List<CompletableFuture<Integer>> all = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                all.add(pool.submit(sleep(0, i)).thenApply(v -> {
                    ranOn.add(Thread.currentThread());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));  // a slow callback, not a wait
                    return v;
                }));
            }
            for (int i = 0; i < 300; i++) {
                assertThat(all.get(i).get(120, TimeUnit.SECONDS)).isEqualTo(i);
            }
            io = ioThreads("slowcbs");
            assertThat(io).as("the loop's thread, and at most one still lent to a callback").hasSizeLessThanOrEqualTo(2);
        }
        assertAllEnd(io);
        for (Thread t : ranOn) {
            if (t.getName().startsWith("procpool-io-")) {
                t.join(30_000);
                assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
            }
        }
    }

    @Test
    void aSmallHeapManagerDecodesBigResultsOnItsIoThreadAndEndsEveryTask() throws Exception {
        // 24 results of 6 MiB, up to 4 per worker in flight, at -Xmx64m: decoded in the I/O thread's call-outs
        List<String> cmd = new ArrayList<>(TestPrograms.java(BigResultsManagerMain.class, "24",
                Integer.toString(6 << 20)));
        cmd.add(1, "-Xmx64m");
        Process manager = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(manager.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(manager.waitFor(150, TimeUnit.SECONDS)).as(out).isTrue();
        assertThat(out).contains("big: all 24 tasks ended, pool serving").doesNotContain("PENDING")
                .doesNotContain("NOT TERMINATED");
        assertThat(manager.exitValue()).as(out).isZero();
        out.lines().filter(l -> l.matches("(length \\d+|\\w+(Exception|Error)): \\d+"))
                .forEach(l -> System.out.println("-Xmx64m manager, 6 MiB results: " + l));
        Children.assertNoneLeft();
    }
}
