package io.procpool.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.procpool.runtime.wire.Serialization;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Kryo through {@link Serialization}, as the pool uses it: a task encoded after the 2 reserved bytes of its attempt
 * number (the submitter's side) and decoded from there (the worker's), a result encoded (the worker's) and decoded
 * (the manager's completer). Run with {@code -prof gc} for the bytes allocated per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SerializationBench {

    private Serialization serialization;
    private final Tasks.Noop noop = new Tasks.Noop();
    private final byte[] result4k = new byte[4096];
    private byte[] noopBytes;
    private byte[] result4kBytes;
    private byte[] nullBytes;

    @Setup
    public void setUp() {
        serialization = new Serialization(List.of(), SerializationBench.class.getClassLoader());
        noopBytes = serialization.serialize(noop, 2);
        result4kBytes = serialization.serialize(result4k);
        nullBytes = serialization.serialize(null);
    }

    @Benchmark
    public byte[] encodeNoopTask() {
        return serialization.serialize(noop, 2);
    }

    @Benchmark
    public Object decodeNoopTask() {
        return serialization.deserialize(noopBytes, 2, noopBytes.length - 2);
    }

    /** A no-op task's result (null), encoded by the worker. */
    @Benchmark
    public byte[] encodeNullResult() {
        return serialization.serialize(null);
    }

    @Benchmark
    public Object decodeNullResult() {
        return serialization.deserialize(nullBytes, 0, nullBytes.length);
    }

    @Benchmark
    public byte[] encode4kResult() {
        return serialization.serialize(result4k);
    }

    @Benchmark
    public Object decode4kResult() {
        return serialization.deserialize(result4kBytes, 0, result4kBytes.length);
    }
}
