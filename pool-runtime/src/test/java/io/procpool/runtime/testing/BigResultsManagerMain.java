package io.procpool.runtime.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.procpool.Task;
import io.procpool.runtime.TaskPool;

/**
 * A manager JVM (the test gives it a small heap) whose tasks answer with big results, several per turn of the I/O
 * loop (prefetch), decoded and handed to callbacks on the I/O thread: args tasks, result size in bytes. Prints one
 * line per outcome class and {@code big: all N tasks ended, pool serving}, exit 0; or {@code PENDING} and exit 1.
 */
public final class BigResultsManagerMain {

    /** Answers with {@code bytes} bytes. */
    public record Big(int bytes) implements Task<byte[]> {
        @Override
        public byte[] call() {
            return new byte[bytes];
        }
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]);
        TaskPool pool = TaskPool.builder().name("big").workers(2).prefetch(4).build();
        List<CompletableFuture<Integer>> lengths = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lengths.add(pool.submit(new Big(size)).thenApply(b -> b.length));  // the result is dropped at once
        }
        ManagerOutcomes.report("big", pool, lengths, 120, "length", false);
    }
}
