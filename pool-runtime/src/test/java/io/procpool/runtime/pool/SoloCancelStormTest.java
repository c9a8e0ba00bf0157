package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A worker of capacity 1 under a storm of cancels: tasks that return at once, that sleep past the standby's look
 * (the reading changes threads), that spin past it deaf to interrupts, and that interrupt themselves, some cancelled
 * at once (queued or running), all at prefetch 0 and with tasks queued in the worker. Every future ends, with its own
 * value or as cancelled; a task never gets another's interrupt; and no CANCEL goes unread (the grace is far longer
 * than the test, so an unread CANCEL would leave a future pending, not kill the worker).
 */
@ExtendWith(NoChildLeft.class)
class SoloCancelStormTest {

    /** Kinds: 0 at once, 1 sleeps 3 ms, 2 spins 3 ms ignoring interrupts, 3 interrupts itself and returns. */
    record Step(int n, int kind) implements Task<Integer> {
        @Override
        public Integer call() throws Exception {
            switch (kind) {
                case 1 -> Thread.sleep(3);
                case 2 -> {
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3);
                    while (System.nanoTime() < end) {
                        Thread.onSpinWait();
                    }
                }
                case 3 -> Thread.currentThread().interrupt();
                default -> {
                }
            }
            return n;
        }
    }

    @ParameterizedTest(name = "prefetch {0}")
    @ValueSource(ints = {0, 4})
    void everyFutureEndsWithItsOwnValueOrCancelled(int prefetch) throws Exception {
        SplittableRandom random = new SplittableRandom(16 + prefetch);
        try (TaskPool pool = TaskPool.builder().name("storm").workers(1).capacity(1).prefetch(prefetch)
                .maxAttempts(1).cancelGrace(Duration.ofMinutes(5)).build()) {
            List<TaskFuture<Integer>> all = new ArrayList<>();
            List<Boolean> cancelled = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                TaskFuture<Integer> f = pool.submit(new Step(i, random.nextInt(4)));
                all.add(f);
                boolean cancel = random.nextInt(3) == 0;
                cancelled.add(cancel);
                if (cancel) {
                    f.cancel(true);
                }
                if (random.nextInt(8) == 0) {
                    all.get(random.nextInt(all.size())).cancel(true);  // an older one: done, queued or running
                }
            }
            for (int i = 0; i < all.size(); i++) {
                try {
                    assertThat(all.get(i).get(60, TimeUnit.SECONDS)).as("task %d", i).isEqualTo(i);
                } catch (CancellationException | ExecutionException e) {
                    Throwable c = e instanceof ExecutionException ? e.getCause() : e;
                    assertThat(c).as("task %d", i).isInstanceOf(CancellationException.class);
                }
            }
            for (int i = 0; i < all.size(); i++) {
                if (cancelled.get(i)) {
                    assertThat(all.get(i).isDone()).isTrue();
                }
            }
            assertThat(pool.submit(new Step(-1, 1)).get(60, TimeUnit.SECONDS)).isEqualTo(-1);
            assertThat(pool.stats().restarts()).as("no worker killed or crashed").isZero();
        }
    }
}
