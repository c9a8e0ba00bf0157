package io.procpool.examples.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.MeterRegistry;
import io.procpool.PoolFailedException;
import io.procpool.TaskRejectedException;
import io.procpool.runtime.TaskPool;

/**
 * One run of the demo batch: builds the pool, submits every item, shows progress, prints the summary. An
 * {@link ExitHook} (Ctrl-C, SIGTERM) stops the pool and prints the summary of what finished instead.
 */
final class DemoRun {

    private final DemoBatch batch;
    private final int workers;
    private final int spares;
    private final int maxSpares;
    private final int spareNice;
    private final int warmUp;
    private final String workerJava;
    private final MeterRegistry registry;
    private final PrintWriter out;
    private final PrintWriter err;
    private final BatchStats stats = new BatchStats();
    private final Progress progress;
    private final AtomicLong check = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final long startNanos = System.nanoTime();
    private volatile long readyNanos;
    private volatile TaskPool pool;
    private final ExitHook hook = new ExitHook("procpool-demo-exit", this::onJvmExit);

    /** {@code workerJava}: the workers' java, null for this JVM's; {@code registry}: the meters' or null. */
    DemoRun(DemoBatch batch, int workers, int spares, int maxSpares, int spareNice, int warmUp, String workerJava,
            MeterRegistry registry, PrintWriter out, PrintWriter err, boolean terminal) {
        this.batch = batch;
        this.workers = workers;
        this.spares = spares;
        this.maxSpares = maxSpares;
        this.spareNice = spareNice;
        this.warmUp = warmUp;
        this.workerJava = workerJava;
        this.registry = registry;
        this.out = out;
        this.err = err;
        this.progress = new Progress(err, terminal, batch::items, () -> true, stats);
    }

    /**
     * Runs the batch; returns 0 when every item ended ok, 1 otherwise, {@link ExitHook#EXIT_INTERRUPTED} when cut
     * short.
     */
    int run() {
        int crashes = batch.crashCount();
        err.println(String.format(Locale.ROOT, "procpool demo: %d items of %d SHA-256 rounds on %d worker%s + %d"
                + " spare%s; seed %d, crash rate %s: %d item%s will kill a worker once", batch.items(),
                batch.rounds(), workers, workers == 1 ? "" : "s", spares, spares == 1 ? "" : "s", batch.seed(),
                batch.crashRate(), crashes, crashes == 1 ? "" : "s"));
        err.flush();
        hook.install();
        try {
            TaskPool.Builder builder = TaskPool.builder();
            if (registry != null) {
                builder.meterRegistry(registry);
            }
            if (warmUp > 0) {
                builder.initializer(new WarmUp(warmUp));
            }
            if (workerJava != null) {
                builder.javaCommand(workerJava);
            }
            try (TaskPool p = builder
                    .name("demo")
                    .workers(workers)
                    .spares(spares, maxSpares)
                    .spareNice(spareNice)
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
            hook.remove();
        }
        if (!hook.claim()) {
            return ExitHook.EXIT_INTERRUPTED;  // the hook prints what finished
        }
        summary().print(out);
        hook.printed();
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
                if (!hook.interrupted()) {
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
        TaskPool p = pool;
        if (p != null) {
            p.shutdownNow();
            try {
                p.awaitTermination(ExitHook.WAIT);
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
                stats.executionQuantile(0.99), DemoBatch.format(check.get()), firstFailure.get(), hook.interrupted());
    }
}
