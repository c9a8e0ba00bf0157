package io.procpool.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The I/O thread's timers: the heap as a pure unit, then on a real spawner's loop. */
class TimersTest {

    /** Random adds, removes and runs against a reference queue: the same tasks run, in the same order. */
    @Test
    void theHeapRunsWhatIsDueEarliestFirstAndForgetsRemovedOnes() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            Timers timers = new Timers();
            List<Integer> ran = new ArrayList<>();
            PriorityQueue<long[]> reference = new PriorityQueue<>((a, b) -> a[0] != b[0]
                    ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
            List<Timers.Entry> live = new ArrayList<>();
            List<long[]> liveRef = new ArrayList<>();
            List<Integer> expected = new ArrayList<>();
            long now = 0;
            for (int op = 0; op < 300; op++) {
                int kind = random.nextInt(10);
                if (kind < 6) {
                    int id = op;
                    long deadline = now + random.nextInt(50);  // ties happen: first scheduled runs first
                    Timers.Entry e = new Timers.Entry(null, () -> ran.add(id), deadline, 0);
                    timers.add(e);
                    long[] r = {deadline, op, id};
                    reference.add(r);
                    live.add(e);
                    liveRef.add(r);
                } else if (kind < 8 && !live.isEmpty()) {
                    int k = random.nextInt(live.size());
                    timers.remove(live.remove(k));
                    reference.remove(liveRef.remove(k));
                } else {
                    now += random.nextInt(20);
                    timers.runDue(now);
                    while (!reference.isEmpty() && reference.peek()[0] <= now) {
                        long[] r = reference.poll();
                        expected.add((int) r[2]);
                        int k = liveRef.indexOf(r);
                        live.remove(k);
                        liveRef.remove(k);
                    }
                }
            }
            assertThat(ran).isEqualTo(expected);
            assertThat(timers.size()).isEqualTo(reference.size());
        }
    }

    @Test
    void theWaitIsBoundedByTheNextDeadlineAndNeverEndsEarly() {
        Timers timers = new Timers();
        assertThat(timers.waitMillis(0)).isEqualTo(-1);
        timers.add(new Timers.Entry(null, () -> { }, 2_500_001, 0));
        assertThat(timers.waitMillis(0)).isEqualTo(3);
        assertThat(timers.waitMillis(2_500_001)).isZero();
        assertThat(timers.waitMillis(9_000_000)).isZero();
    }

    @Test
    void timersRunOnTheIoThreadInDeadlineOrderAndCancelledOnesNever() throws Exception {
        try (Spawner spawner = Spawner.create("timers")) {
            List<String> ran = new CopyOnWriteArrayList<>();
            AtomicReference<Boolean> onIo = new AtomicReference<>(true);
            CountDownLatch last = new CountDownLatch(1);
            Timeout cancelledHere = spawner.schedule(Duration.ofMillis(30), () -> ran.add("cancelled"));
            spawner.schedule(Duration.ofMillis(60), () -> ran.add("60"));
            spawner.schedule(Duration.ofMillis(20), () -> {
                ran.add("20");
                onIo.compareAndSet(true, spawner.inIoThread());
            });
            spawner.schedule(Duration.ofMillis(90), () -> {
                ran.add("90");
                last.countDown();
            });
            cancelledHere.cancel();
            assertThat(cancelledHere.isCancelled()).isTrue();
            assertThat(last.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ran).containsExactly("20", "60", "90");
            assertThat(onIo.get()).isTrue();
        }
    }

    @Test
    void aPeriodicTimerRunsUntilCancelledAndAThrowingTimerDoesNotStopTheLoop() throws Exception {
        try (Spawner spawner = Spawner.create("periodic")) {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch five = new CountDownLatch(5);
            AtomicReference<Timeout> self = new AtomicReference<>();
            spawner.schedule(Duration.ofMillis(1), () -> {
                throw new IllegalStateException("a failing timer (expected in this test)");
            });
            self.set(spawner.scheduleEvery(Duration.ofMillis(2), () -> {
                if (runs.incrementAndGet() == 5) {
                    self.get().cancel();  // from the I/O thread, while it runs: no sixth run
                }
                five.countDown();
            }));
            assertThat(five.await(30, TimeUnit.SECONDS)).isTrue();
            CountDownLatch after = new CountDownLatch(1);
            spawner.schedule(Duration.ofMillis(20), after::countDown);
            assertThat(after.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(runs.get()).isEqualTo(5);
        }
    }

    /** A timeout per task, cancelled when the task answers: a million of them must not pile up in the heap. */
    @Test
    void cancelledTimersLeaveTheHeapAtOnce() throws Exception {
        try (Spawner spawner = Spawner.create("cancel")) {
            List<Timeout> fromOutside = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                fromOutside.add(spawner.schedule(Duration.ofMinutes(5), () -> { }));
            }
            fromOutside.forEach(Timeout::cancel);
            AtomicInteger left = new AtomicInteger(-1);
            CountDownLatch done = new CountDownLatch(1);
            spawner.execute(() -> {
                for (int i = 0; i < 1_000_000; i++) {
                    spawner.schedule(Duration.ofMinutes(5), () -> { }).cancel();
                }
                left.set(loopOf(spawner).timers().size());
                done.countDown();
            });
            assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(left.get()).isZero();
        }
    }

    private static EventLoop loopOf(Spawner spawner) {
        try {
            var f = Spawner.class.getDeclaredField("loop");
            f.setAccessible(true);
            return (EventLoop) f.get(spawner);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
