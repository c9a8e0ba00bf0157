package io.procpool.runtime.wire;

import java.util.List;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ClosureSerializer;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.minlog.Log;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * Kryo for tasks, results and events, configured identically in the manager and every worker: records, POJOs
 * (with or without a no-argument constructor), JDK collections including {@code List.of}, and serializable
 * lambdas. Kryo instances are not thread-safe: each thread has its own, with its own buffers.
 *
 * <p>With an allowlist ({@code allowed} not empty) registration is required: only those classes (plus what
 * lambdas need) can travel, and the manager and workers register them in the same order.
 */
public final class Serialization {

    private static final int MAX_BUFFER = 1 << 30;
    /**
     * The stack size of the threads that decode what crossed a process boundary (the manager's completer, the
     * worker's task threads): object graphs up to {@value CheckedKryo#MAX_DEPTH} deep with a wide margin.
     */
    public static final long DECODER_STACK = 8L << 20;

    private final List<String> allowed;
    private final ClassLoader loader;
    // one Kryo per thread: a pool would allocate a queue node on every obtain and free
    private final ThreadLocal<Kryo> kryos = ThreadLocal.withInitial(this::newKryo);
    private final ThreadLocal<Output> outputs = ThreadLocal.withInitial(Serialization::newOutput);
    private final ThreadLocal<BoundedInput> inputs = ThreadLocal.withInitial(BoundedInput::new);

    public Serialization(List<String> allowed, ClassLoader loader) {
        this(allowed, loader, true);
    }

    private Serialization(List<String> allowed, ClassLoader loader, boolean check) {
        this.allowed = List.copyOf(allowed);
        this.loader = loader;
        if (check) {
            kryos.get();  // fail now, not on the first task, if an allowed class is missing
        }
    }

    /**
     * For a worker: builds no Kryo in this thread (one costs some 10 ms of a cold JVM's start, and the worker's
     * main thread never serializes); each task thread calls {@link #prepare} instead.
     */
    public static Serialization perThread(List<String> allowed, ClassLoader loader) {
        return new Serialization(allowed, loader, false);
    }

    /** Builds this thread's Kryo now: fails, as the constructor does, if an allowed class is missing. */
    public void prepare() {
        kryos.get();
    }

    /** The class names of the allowlist, in registration order. */
    public List<String> allowed() {
        return allowed;
    }

    /**
     * One closure serializer for every Kryo of this JVM. Its constructor writes static fields of Kryo's (set, then
     * cleared again when the JVM refuses access), so building one per thread races with lambdas being written on
     * other threads; and it warns on stdout through minlog when access is refused, as it is in a JVM without
     * {@code --add-opens java.base/java.lang.invoke} (the caller's need not have it; the workers get it). Kryo then
     * resolves lambdas through their capturing class, which works.
     */
    private static final class Closures {
        static final ClosureSerializer SERIALIZER = create();

        private static ClosureSerializer create() {
            int level = Log.TRACE ? Log.LEVEL_TRACE : Log.DEBUG ? Log.LEVEL_DEBUG : Log.INFO ? Log.LEVEL_INFO
                    : Log.WARN ? Log.LEVEL_WARN : Log.ERROR ? Log.LEVEL_ERROR : Log.LEVEL_NONE;
            Log.set(Math.max(level, Log.LEVEL_ERROR));  // once per JVM, while this class initializes
            try {
                return new ClosureSerializer();
            } finally {
                Log.set(level);
            }
        }
    }

    private Kryo newKryo() {
        Kryo k = new CheckedKryo();
        k.setClassLoader(loader);
        k.setReferences(true);
        k.setRegistrationRequired(!allowed.isEmpty());
        k.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));

        k.register(ClosureSerializer.Closure.class, Closures.SERIALIZER);
        if (!allowed.isEmpty()) {
            k.register(Object[].class);
            k.register(Class.class);
            for (String name : allowed) {
                try {
                    k.register(Class.forName(name, false, loader));
                } catch (ClassNotFoundException e) {
                    throw new IllegalArgumentException("allowlisted class " + name + " is not on the class path", e);
                }
            }
        }
        return k;
    }

    /** Serializes any object (null included) with its class. */
    public byte[] serialize(Object value) {
        return serialize(value, 0);
    }

    /** Serializes after {@code reserved} zero bytes that the caller fills in later (a frame's own fields). */
    public byte[] serialize(Object value, int reserved) {
        Output out = outputs.get();
        out.reset();
        for (int i = 0; i < reserved; i++) {
            out.writeByte(0);
        }
        write(out, value);
        return out.toBytes();
    }

    /**
     * Serializes {@code value} into this thread's buffer, without a copy: the bytes are {@code getBuffer()[0,
     * position())} of the returned output, valid until this thread serializes again.
     */
    public Output encode(Object value) {
        return encode(value, outputs.get());
    }

    /**
     * As {@link #encode(Object)}, into {@code out} (from {@link #newOutput}): for threads that take turns, one
     * encoding at a time and handing over under a lock, so that they keep one buffer between them rather than one
     * each (it grows to the largest value and stays).
     */
    public Output encode(Object value, Output out) {
        out.reset();
        write(out, value);
        return out;
    }

    /** An output for {@link #encode(Object, Output)}. */
    public static Output newOutput() {
        return new Output(4096, MAX_BUFFER);
    }

    /**
     * Writes {@code value} with this thread's Kryo. When that fails, the output is made whole again: Kryo raises an
     * output's capacity before it allocates the larger array, so a growth that ran out of memory would leave a
     * capacity past the array, and every later value too large for the old array would fail (out of bounds).
     */
    private void write(Output out, Object value) {
        try {
            kryos.get().writeClassAndObject(out, value);
        } catch (Throwable e) {
            out.setBuffer(out.getBuffer(), MAX_BUFFER);  // the capacity of the array it has; no allocation
            throw e;
        }
    }

    /**
     * Reads an object written by {@link #serialize}. The bytes may come from a worker: every count in them is checked
     * against their length before it sizes anything, and the object graph is at most {@value CheckedKryo#MAX_DEPTH}
     * deep; a message that breaks either rule fails with a {@code KryoException}.
     */
    public Object deserialize(byte[] bytes, int offset, int length) {
        BoundedInput in = inputs.get();
        in.setBuffer(bytes, offset, length);
        try {
            return kryos.get().readClassAndObject(in);
        } finally {
            in.setBuffer(EMPTY);
        }
    }

    private static final byte[] EMPTY = new byte[0];
}
