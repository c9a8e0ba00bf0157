package io.procpool.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.procpool.runtime.wire.Protocol;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Framing: the 12-byte header after each frame's length ({@link Protocol}). {@code putHeader} and the header reads are
 * what the manager does per frame in its buffers; {@code writeFrame}/{@code readFrame} are the stream path of the JVM
 * worker (a {@code DataOutputStream}/{@code DataInputStream}, one body array per frame read).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FramingBench {

    /** Body bytes: a no-op task's Kryo body (2 bytes of attempt + class and record), or a 4 KiB result. */
    @Param({"8", "4100"})
    public int body;

    private final byte[] frame = new byte[4 + Protocol.HEADER];
    private ByteBuffer received;
    private byte[] payload;
    private ByteArrayOutputStream sink;  // reset, never reallocated
    private DataOutputStream out;
    private byte[] oneFrame;
    private Source source;
    private DataInputStream in;
    private long id;

    /** A ByteArrayInputStream rewound for each read. */
    static final class Source extends ByteArrayInputStream {
        Source(byte[] b) {
            super(b);
        }

        void rewind() {
            pos = 0;
        }
    }

    @Setup
    public void setUp() throws IOException {
        payload = new byte[body];
        sink = new ByteArrayOutputStream(4 + Protocol.HEADER + body);
        out = new DataOutputStream(sink);
        Protocol.writeFrame(out, Protocol.RESULT, 42, payload, 0, payload.length);
        oneFrame = sink.toByteArray();
        received = ByteBuffer.wrap(oneFrame, 4, oneFrame.length - 4).slice();
        source = new Source(oneFrame);
        in = new DataInputStream(source);
    }

    @Benchmark
    public byte[] putHeader() {
        Protocol.putHeader(frame, 4, Protocol.TASK, id++);
        return frame;
    }

    @Benchmark
    public long readHeader() {
        return Protocol.type(received) + Protocol.task(received);
    }

    @Benchmark
    public int writeFrame() throws IOException {
        sink.reset();
        Protocol.writeFrame(out, Protocol.RESULT, id++, payload, 0, payload.length);
        return sink.size();
    }

    /** As the worker's read loop: length, type, flags, reserved, id, then a new array for the body. */
    @Benchmark
    public byte[] readFrame() throws IOException {
        source.rewind();
        int len = Protocol.readLength(in);
        in.readUnsignedByte();
        in.readUnsignedByte();
        in.readUnsignedShort();
        in.readLong();
        byte[] b = new byte[len - Protocol.HEADER];
        in.readFully(b);
        return b;
    }
}
