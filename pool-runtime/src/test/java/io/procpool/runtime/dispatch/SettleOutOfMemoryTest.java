package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.PoolFailedException;
import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A settle that runs out of memory leaves its job unsettled, so that whoever comes next settles it: a failing pool
 * whose settle of a running job threw once (its completion could not be queued) left that job marked settled, its
 * worker's death then skipped it as already answered, and its future stayed pending for good.
 */
@ExtendWith(NoChildLeft.class)
class SettleOutOfMemoryTest {

    record Sleep() implements Task<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            Thread.sleep(120_000);
            return 0;
        }
    }

    /** The completions' list, whose next {@code failures} growths or adds fail as a full heap fails them. */
    static final class FullHeapList extends ArrayList<Runnable> {
        private static final long serialVersionUID = 1L;
        final AtomicInteger failures = new AtomicInteger();

        private void check() {
            if (failures.getAndUpdate(f -> Math.max(0, f - 1)) > 0) {
                throw new OutOfMemoryError("test: no room for a completion");
            }
        }

        @Override
        public void ensureCapacity(int minCapacity) {
            check();
            super.ensureCapacity(minCapacity);
        }

        @Override
        public boolean add(Runnable r) {
            check();
            return super.add(r);
        }
    }

    private static Object field(Object owner, Class<?> type, String name) throws Exception {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getName().equals(name) || name == null && f.getType() == type) {
                    f.setAccessible(true);
                    return f.get(owner);
                }
            }
        }
        throw new NoSuchFieldException(name);
    }

    private static void set(Object owner, String name, Object value) throws Exception {
        Field f = owner.getClass().getDeclaredField(name);
        f.setAccessible(true);
        f.set(owner, value);
    }

    @Test
    void aRunningTaskOfAFailingPoolFailsWhenItsFirstSettleRunsOutOfMemory() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("settle-oom").workers(1).build()) {
            PoolEngine e = (PoolEngine) field(pool, PoolEngine.class, null);
            FullHeapList pending = new FullHeapList();
            set(field(e, null, "completions"), "pending", pending);
            TaskFuture<Integer> running = pool.submit(new Sleep());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().inFlight() == 1);
            CompletableFuture<Void> done = new CompletableFuture<>();
            e.spawner.execute(() -> {
                pending.failures.set(1);  // the running job's settle: no room for its completion
                e.lifecycle.failPool("settle-oom - failed by the test");
                done.complete(null);
            });
            done.get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(PoolFailedException.class);
            assertThat(pool.awaitTermination(Duration.ofSeconds(30))).isTrue();
        }
    }
}
