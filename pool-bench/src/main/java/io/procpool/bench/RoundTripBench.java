package io.procpool.bench;

import java.util.concurrent.TimeUnit;

import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A whole round trip through a TaskPool of 2 JVM workers: {@value #BATCH} no-op tasks submitted, then every future
 * joined. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the manager JVM's allocation per task, all its threads
 * (JMH sums every live thread's allocated bytes); {@link AllocationPerTask} splits it by thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoundTripBench {

    static final int BATCH = 64;

    @Param({"0", "16"})
    public int prefetch;

    private TaskPool pool;
    private final Tasks.Noop noop = new Tasks.Noop();
    private final TaskFuture<?>[] futures = new TaskFuture<?>[BATCH];

    @Setup(Level.Trial)
    public void start() {
        pool = TaskPool.builder().name("jmh").workers(2).prefetch(prefetch).build();
    }

    @TearDown(Level.Trial)
    public void stop() {
        pool.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object noopTasks() throws Exception {
        for (int i = 0; i < BATCH; i++) {
            futures[i] = pool.submit(noop);
        }
        Object last = null;
        for (TaskFuture<?> f : futures) {
            last = f.get(1, TimeUnit.MINUTES);
        }
        return last;
    }
}
