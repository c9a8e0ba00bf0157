package io.procpool.runtime.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.procpool.ExitReason;
import io.procpool.PoolListener;
import io.procpool.PoolStats;
import io.procpool.RejectReason;
import io.procpool.TaskOutcome;
import io.procpool.WorkerInfo;

/**
 * The pool's Micrometer meters (names as in docs/metrics.md, every one tagged {@code pool}). Counters and timers
 * are fed from the pool's event stream, as a {@link PoolListener}; gauges read the pool's published stats (no
 * lock). Every tag value comes from a fixed set and is registered up front, so every series exists at zero. The
 * meters are removed from the registry when the pool terminates.
 *
 * <p>Only loaded when a pool is given a registry: a pool without one never touches a Micrometer class.
 */
public final class PoolMetrics implements PoolListener {

    /** The restart reasons counted (ExitReason values that lead to a replacement). */
    static final List<ExitReason> RESTART_REASONS = List.of(ExitReason.CRASH, ExitReason.START_FAILED,
            ExitReason.HUNG, ExitReason.TIMEOUT, ExitReason.CANCEL, ExitReason.PROTOCOL_ERROR, ExitReason.MAX_TASKS,
            ExitReason.MAX_RSS, ExitReason.MAX_LIFETIME);

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter started;
    private final Map<ExitReason, Counter> restarts = new EnumMap<>(ExitReason.class);
    private final Timer startup;
    private final Counter submitted;
    private final Counter[] rejected = new Counter[RejectReason.values().length];
    private final Counter retried;
    private final Timer wait;
    private final Timer[] execution = new Timer[TaskOutcome.values().length];

    public PoolMetrics(MeterRegistry registry, String pool) {
        this.registry = registry;
        this.tags = Tags.of("pool", pool);
        started = keep(Counter.builder("procpool.workers.started").tags(tags)
                .description("Worker processes spawned").register(registry));
        for (ExitReason r : RESTART_REASONS) {
            restarts.put(r, keep(Counter.builder("procpool.workers.restarts").tags(tags).tag("reason", r.tag())
                    .description("Workers replaced, by why they left").register(registry)));
        }
        startup = keep(Timer.builder("procpool.workers.startup").tags(tags)
                .description("From spawn to HELLO").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(2))
                .register(registry));
        submitted = keep(Counter.builder("procpool.tasks.submitted").tags(tags)
                .description("Tasks accepted into the queue").register(registry));
        for (RejectReason r : RejectReason.values()) {
            rejected[r.ordinal()] = keep(Counter.builder("procpool.tasks.rejected").tags(tags).tag("reason", r.tag())
                    .description("Tasks refused by submit").register(registry));
        }
        retried = keep(Counter.builder("procpool.tasks.retried").tags(tags)
                .description("Tasks sent again after their worker died running them").register(registry));
        wait = keep(Timer.builder("procpool.tasks.wait").tags(tags)
                .description("From submit (or requeue) until sent to a worker, for the attempt that ended the task").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry));
        for (TaskOutcome o : TaskOutcome.values()) {
            execution[o.ordinal()] = keep(Timer.builder("procpool.tasks.execution").tags(tags).tag("outcome", o.tag())
                    .description("From sent to a worker until answered, by outcome").publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                    .register(registry));
        }
    }

    /**
     * Registers the gauges and the reaped counter, which read the pool's published stats (no lock), whether it
     * failed and how many of its workers were reaped. Before it starts; {@link #remove} when it has terminated.
     */
    public void bind(Supplier<PoolStats> stats, BooleanSupplier failed, LongSupplier reaped) {
        // Micrometer holds a gauge's object weakly: this one lives as long as the meters (the pool's listener)
        this.sources = new Sources(stats, failed, reaped);
        gauge("starting", s -> s.stats.get().starting());
        gauge("idle", s -> s.stats.get().idle());
        gauge("busy", s -> s.stats.get().busy());
        gauge("spare", s -> s.stats.get().spares());
        keep(Gauge.builder("procpool.tasks.queued", sources, s -> s.stats.get().queued()).tags(tags)
                .description("Tasks waiting for a worker").register(registry));
        keep(Gauge.builder("procpool.tasks.running", sources, s -> s.stats.get().inFlight()).tags(tags)
                .description("Tasks sent to a worker and not answered yet").register(registry));
        keep(Gauge.builder("procpool.pool.failed", sources, s -> s.failed.getAsBoolean() ? 1 : 0).tags(tags)
                .description("1 once the crash-loop breaker failed the pool").register(registry));
        keep(FunctionCounter.builder("procpool.zombies.reaped", sources, s -> s.reaped.getAsLong()).tags(tags)
                .description("Exited worker processes waited for (each exactly once)").register(registry));
    }

    /** What the gauges read. */
    private record Sources(Supplier<PoolStats> stats, BooleanSupplier failed, LongSupplier reaped) {
    }

    private Sources sources;

    private void gauge(String state, ToDoubleFunction<Sources> f) {
        keep(Gauge.builder("procpool.workers", sources, f).tags(tags).tag("state", state)
                .description("Live workers by state").register(registry));
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    /** Removes every meter of this pool from the registry. */
    /** Removes every meter of the pool from the registry: once it has terminated. */
    public void remove() {
        for (Meter m : meters) {
            registry.remove(m);
        }
    }

    @Override
    public void workerStarted(WorkerInfo worker) {
        started.increment();
    }

    @Override
    public void workerReady(WorkerInfo worker, Duration startupTime) {
        startup.record(startupTime);
    }

    @Override
    public void workerRestarted(WorkerInfo worker, ExitReason reason) {
        Counter c = restarts.get(reason);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void taskSubmitted(long taskId) {
        submitted.increment();
    }

    @Override
    public void taskRejected(RejectReason reason) {
        rejected[reason.ordinal()].increment();
    }


    @Override
    public void taskRetried(long taskId, int nextAttempt) {
        retried.increment();
    }

    /** Off the I/O thread: the completer records both timers when the task ends. */
    @Override
    public void taskEnded(long taskId, TaskOutcome outcome, Duration queueWait, Duration executionTime) {
        if (!queueWait.isZero()) {
            wait.record(queueWait);
        }
        execution[outcome.ordinal()].record(executionTime);
    }
}
