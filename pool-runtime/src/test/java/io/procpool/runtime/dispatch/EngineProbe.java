package io.procpool.runtime.dispatch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitReason;

/**
 * For tests of other packages: puts a pool's I/O thread in a state that real events reach only inside a race window,
 * by running the engine's own steps there in one go.
 */
public final class EngineProbe {

    private EngineProbe() {
    }

    /**
     * On the I/O thread, in one task: the worker in {@code slot} reaches a recycling limit (its successor is being
     * spawned on the launch thread), then the pool is shut down with nothing left, so that every worker is told to
     * finish while that successor is still being spawned. This is what a maxTasksPerWorker retirement followed within
     * the 1-3 ms of the successor's posix_spawnp by {@code shutdown()} does. Returns once the task ran.
     */
    public static void retireThenShutdown(PoolEngine e, int slot) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        e.spawner.execute(() -> {
            try {
                Worker w = e.supervisor.slots().get(slot);
                e.supervisor.recycling().retire(w, ExitReason.MAX_TASKS, "after a test's say-so");
                if (w.successor == null || w.successor.child != null) {
                    throw new IllegalStateException("no successor being spawned for " + w);
                }
                e.shutdown();
                e.lifecycle.maybeDrained();  // what the shutdown queued: nothing left, the workers are told to finish
                if (!w.successor.killPending) {
                    throw new IllegalStateException("the successor was not killed while being spawned");
                }
                done.complete(null);
            } catch (RuntimeException | Error t) {
                done.completeExceptionally(t);
            }
        });
        done.get(30, TimeUnit.SECONDS);
    }

    /** Bytes of encoded tasks in the pool's own queue (0 when its jobs come from another source). */
    public static long queuedBytes(PoolEngine e) {
        return e.memory == null ? 0 : e.memory.bytes();
    }

    /** Waits until everything the I/O thread was handed before this call has run. */
    public static void barrier(PoolEngine e) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        e.spawner.execute(() -> done.complete(null));
        done.get(30, TimeUnit.SECONDS);
    }
}
