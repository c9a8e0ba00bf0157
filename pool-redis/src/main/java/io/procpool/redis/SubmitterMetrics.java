package io.procpool.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.procpool.TaskOutcome;

/**
 * A submitter's meters, tag {@code pool} (the Redis pool name), all registered at zero up front:
 * <ul>
 *   <li>{@code procpool.redis.submitter.outstanding} — tasks submitted here and not answered yet (gauge);</li>
 *   <li>{@code procpool.redis.submitter.submitted} — tasks added to the task stream (counter);</li>
 *   <li>{@code procpool.redis.submitter.roundtrip} — from submit until the future completed, by {@code outcome}
 *   (success, failure, timeout, crash, cancelled): its count is the completed and failed tasks (timer).</li>
 * </ul>
 * Loaded only when a registry is given (micrometer-core is optional).
 */
final class SubmitterMetrics implements RedisSubmitter.Recorder, AutoCloseable {

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter submitted;
    private final Timer[] roundtrip = new Timer[TaskOutcome.values().length];

    SubmitterMetrics(MeterRegistry registry, String pool, RedisSubmitter submitter) {
        this.registry = registry;
        Tags tags = Tags.of("pool", pool);
        meters.add(Gauge.builder("procpool.redis.submitter.outstanding", submitter, RedisSubmitter::outstanding)
                .tags(tags).description("Tasks submitted here and not answered yet").register(registry));
        submitted = Counter.builder("procpool.redis.submitter.submitted").tags(tags)
                .description("Tasks this submitter added to the task stream").register(registry);
        meters.add(submitted);
        for (TaskOutcome o : TaskOutcome.values()) {
            roundtrip[o.ordinal()] = Timer.builder("procpool.redis.submitter.roundtrip").tags(tags)
                    .tag("outcome", o.tag()).description("From submit until the task's future completed, by outcome")
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
            meters.add(roundtrip[o.ordinal()]);
        }
    }

    @Override
    public void submitted() {
        submitted.increment();
    }

    @Override
    public void ended(TaskOutcome outcome, long nanos) {
        roundtrip[outcome.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
