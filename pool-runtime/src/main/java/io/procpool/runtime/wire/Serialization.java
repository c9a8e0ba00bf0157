package io.procpool.runtime.wire;

import java.util.List;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ClosureSerializer;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
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

    private final List<String> allowed;
    private final ClassLoader loader;
    // one Kryo per thread: a pool would allocate a queue node on every obtain and free
    private final ThreadLocal<Kryo> kryos = ThreadLocal.withInitial(this::newKryo);
    private final ThreadLocal<Output> outputs = ThreadLocal.withInitial(() -> new Output(4096, MAX_BUFFER));
    private final ThreadLocal<Input> inputs = ThreadLocal.withInitial(Input::new);

    public Serialization(List<String> allowed, ClassLoader loader) {
        this.allowed = List.copyOf(allowed);
        this.loader = loader;
        kryos.get();  // fail now, not on the first task, if an allowed class is missing
    }

    /** The class names of the allowlist, in registration order. */
    public List<String> allowed() {
        return allowed;
    }

    private Kryo newKryo() {
        Kryo k = new Kryo();
        k.setClassLoader(loader);
        k.setReferences(true);
        k.setRegistrationRequired(!allowed.isEmpty());
        k.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
        ImmutableCollectionsSerializers.addDefaultSerializers(k);
        // Without --add-opens java.base/java.lang.invoke the serializer warns and falls back to resolving lambdas
        // through their capturing class, which works; the worker JVMs get the flag, the caller's need not.
        int level = Log.TRACE ? Log.LEVEL_TRACE : Log.DEBUG ? Log.LEVEL_DEBUG : Log.INFO ? Log.LEVEL_INFO
                : Log.WARN ? Log.LEVEL_WARN : Log.ERROR ? Log.LEVEL_ERROR : Log.LEVEL_NONE;
        Log.set(Math.max(level, Log.LEVEL_ERROR));
        try {
            k.register(ClosureSerializer.Closure.class, new ClosureSerializer());
        } finally {
            Log.set(level);
        }
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
        kryos.get().writeClassAndObject(out, value);
        return out.toBytes();
    }

    /** Reads an object written by {@link #serialize}. */
    public Object deserialize(byte[] bytes, int offset, int length) {
        Input in = inputs.get();
        in.setBuffer(bytes, offset, length);
        try {
            return kryos.get().readClassAndObject(in);
        } finally {
            in.setBuffer(EMPTY);
        }
    }

    private static final byte[] EMPTY = new byte[0];
}
