package io.procpool.examples.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.procpool.PoolFailedException;
import io.procpool.TaskRejectedException;
import io.procpool.runtime.TaskPool;

/**
 * One run of the demo batch: builds the pool, submits every item, shows progress, prints the summary. A JVM shutdown
 * hook (Ctrl-C, SIGTERM) stops the pool and prints the summary of what finished; the JVM then exits with 128 + the
 * signal (130 for Ctrl-C). Exactly one of the two, the end of the run or the hook, prints a summary.
 */
final class DemoRun {

    /** What {@link #run()} returns when the shutdown hook took over (the JVM exits 130 after a Ctrl-C anyway). */
    static final int EXIT_INTERRUPTED = 130;

    private static final Duration HOOK_WAIT = Duration.ofSeconds(10);

    private final DemoBatch batch;
    private final int workers;
    private final int spares;
    private final PrintWriter out;
    private final PrintWriter err;
    private final BatchStats stats = new BatchStats();
    private final Progress progress;
    private final AtomicLong check = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final AtomicBoolean reported = new AtomicBoolean();
    private final CountDownLatch printed = new CountDownLatch(1);
    private final long startNanos = System.nanoTime();
    private volatile long readyNanos;
    private volatile TaskPool pool;
    private volatile boolean interrupted;

    DemoRun(DemoBatch batch, int workers, int spares, PrintWriter out, PrintWriter err, boolean terminal) {
        this.batch = batch;
        this.workers = workers;
        this.spares = spares;
        this.out = out;
        this.err = err;
        this.progress = new Progress(err, terminal, batch.items(), stats);
    }

    /** Runs the batch; returns 0 when every item ended ok, 1 otherwise, {@link #EXIT_INTERRUPTED} when cut short. */
    int run() {
        int crashes = batch.crashCount();
        err.println(String.format(Locale.ROOT, "procpool demo: %d items of %d SHA-256 rounds on %d worker%s + %d"
                + " spare%s; seed %d, crash rate %s: %d item%s will kill a worker once", batch.items(),
                batch.rounds(), workers, workers == 1 ? "" : "s", spares, spares == 1 ? "" : "s", batch.seed(),
                batch.crashRate(), crashes, crashes == 1 ? "" : "s"));
        err.flush();
        Thread hook = new Thread(this::onJvmExit, "procpool-demo-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            try (TaskPool p = TaskPool.builder()
                    .name("demo")
                    .workers(workers)
                    .spares(spares)
                    // the crashes are planned: a worker whose first task crashes counts as "died without doing any
                    // work", and that many such deaths must not trip the breaker meant for a broken worker command
                    .crashLoopLimit(crashes + 10, Duration.ofMinutes(1))
                    .listener(stats)
                    .build()) {
                pool = p;
                readyNanos = System.nanoTime();
                progress.start();
                List<CompletableFuture<Void>> ends = submitAll(p);
                CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)).join();
            }  // close(): every worker has exited and was reaped
        } finally {
            progress.stop();
            removeHook(hook);
        }
        if (interrupted || !reported.compareAndSet(false, true)) {
            return EXIT_INTERRUPTED;  // the hook prints what finished
        }
        summary().print(out);
        printed.countDown();
        return stats.ok() == batch.items() ? 0 : 1;
    }

    private List<CompletableFuture<Void>> submitAll(TaskPool p) {
        List<CompletableFuture<Void>> ends = new ArrayList<>(batch.items());
        for (int i = 0; i < batch.items(); i++) {
            int index = i;
            CompletableFuture<Long> f;
            try {
                f = p.submit(batch.item(i));  // waits while the pool's queue is full
            } catch (TaskRejectedException | PoolFailedException e) {
                if (!interrupted) {
                    firstFailure.compareAndSet(null, e.getMessage());
                }
                break;  // stopped or failed: the rest will not run
            }
            ends.add(f.handle((value, failure) -> {
                ended(index, value, failure);
                return null;
            }));
        }
        return ends;
    }

    /** On the pool's completion thread, after the listener counted the task. */
    private void ended(int index, Long value, Throwable failure) {
        if (failure == null) {
            check.addAndGet(DemoBatch.checkTerm(index, value));
        } else if (!(failure instanceof CancellationException)) {
            firstFailure.compareAndSet(null, "item " + index + ": " + failure.getMessage());
        }
    }

    /** The shutdown hook. It runs beside the pool's own hook, in no set order: both stop the pool, both wait. */
    private void onJvmExit() {
        interrupted = true;
        if (!reported.compareAndSet(false, true)) {
            // the run had ended and is printing its summary: let it finish before the JVM halts
            await(printed);
            return;
        }
        TaskPool p = pool;
        if (p != null) {
            p.shutdownNow();
            try {
                p.awaitTermination(HOOK_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        progress.stop();
        summary().print(out);
        err.flush();
    }

    private Summary summary() {
        TaskPool p = pool;
        long now = System.nanoTime();
        long ready = readyNanos;
        return new Summary(batch.items(), stats.ok(), stats.failed(), Duration.ofNanos(now - startNanos),
                Duration.ofNanos((ready == 0 ? now : ready) - startNanos), stats.workersStarted(),
                stats.restartsByReason(), p == null ? 0 : p.reapedWorkers(), stats.executionQuantile(0.5),
                stats.executionQuantile(0.99), check.get(), firstFailure.get(), interrupted);
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // the JVM is shutting down: the hook runs or ran, and prints the summary
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(HOOK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
