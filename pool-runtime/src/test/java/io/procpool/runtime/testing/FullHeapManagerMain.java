package io.procpool.runtime.testing;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;

/**
 * A manager JVM (the test gives it a small heap) whose caller keeps every answer, 1 MiB each, until the pool or the
 * JVM says the heap is full, then lets them go and goes on; every future must end. Args: tasks [prefetch]. Prints
 * {@code ended ok=.. failed=.. pending=.. {failure classes} okAfterFull=.. full=.. poolFailed=..}, then
 * {@code terminated true|false}; exit 0.
 */
public final class FullHeapManagerMain {

    /** Answers with {@code bytes} bytes. */
    public record Big(int bytes) implements Task<byte[]> {
        @Override
        public byte[] call() {
            return new byte[bytes];
        }
    }

    private FullHeapManagerMain() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        TaskFuture<?>[] futures = new TaskFuture<?>[n];
        Object[] kept = new Object[n];
        int ok = 0;
        int okAfterFull = 0;  // answers read after the pool first said the heap was full: it still serves
        boolean full = false;
        int failed = 0;
        int pending = 0;
        Map<String, Integer> failures = new TreeMap<>();
        int prefetch = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        TaskPool pool = TaskPool.builder().name("fullheap").workers(2).prefetch(prefetch).build();
        for (int i = 0; i < n; i++) {
            futures[i] = pool.submit(new Big(1 << 20));
        }
        for (int i = 0; i < n; i++) {
            try {
                kept[i] = futures[i].get(60, TimeUnit.SECONDS);
                ok++;
                okAfterFull += full ? 1 : 0;
            } catch (ExecutionException e) {
                failed++;
                failures.merge(e.getCause().getClass().getSimpleName(), 1, Integer::sum);
                if (e.getCause() instanceof OutOfMemoryError || String.valueOf(e.getCause()).contains("out of memory")) {
                    Arrays.fill(kept, null);  // the pool says this heap is full: let the answers go
                    full = true;
                }
            } catch (CancellationException e) {
                failed++;
                failures.merge("CancellationException", 1, Integer::sum);
            } catch (TimeoutException e) {
                break;  // pending: counted below
            } catch (OutOfMemoryError e) {
                Arrays.fill(kept, null);
                full = true;
                continue;  // not counted yet: waited for below
            }
            futures[i] = null;
        }
        Arrays.fill(kept, null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (TaskFuture<?> f : futures) {
            if (f == null) {
                continue;
            }
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                ok++;
            } catch (TimeoutException e) {
                pending++;
            } catch (ExecutionException | CancellationException e) {
                failed++;
                failures.merge((e instanceof ExecutionException ? e.getCause() : e).getClass().getSimpleName(), 1,
                        Integer::sum);
            }
        }
        System.out.println("ended ok=" + ok + " failed=" + failed + " pending=" + pending + " " + failures
                + " okAfterFull=" + okAfterFull + " full=" + full + " poolFailed=" + pool.isShutdown());
        pool.shutdownNow();
        System.out.println("terminated " + pool.awaitTermination(Duration.ofSeconds(30)));
        System.out.flush();
        pool.close();
    }
}
