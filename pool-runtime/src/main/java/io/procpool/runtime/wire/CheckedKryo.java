package io.procpool.runtime.wire;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.SerializerFactory;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import com.esotericsoftware.kryo.util.DefaultClassResolver;

/**
 * Kryo that checks every element count it reads before it sizes an array or a collection by it, against the bytes
 * left and against the message's allocation budget ({@link BoundedInput}), and whose object graphs are at most
 * {@link #MAX_DEPTH} deep, so that a hostile or broken message fails with a {@code KryoException} instead of an
 * {@code OutOfMemoryError} or a {@code StackOverflowError} in the manager. Arrays of objects: the count is the
 * varint their data starts with. Collections and maps (the JDK's immutable ones included, in place of Kryo's
 * {@code ImmutableCollectionsSerializers}, which pre-size by the count): where the count reaches {@code create}.
 */
final class CheckedKryo extends Kryo {

    /**
     * The deepest object graph that travels (a JDK collection is one level, whatever its size). Measured with chains
     * of records and of plain classes: a thread with the default 1 MiB stack overflows between 1,500 and 3,000
     * levels, one with 512 KiB near 900. The threads of ours that decode (the completer, the worker's task threads)
     * have {@link Serialization#DECODER_STACK} bytes of stack, far above what this depth needs.
     */
    static final int MAX_DEPTH = 1_000;

    CheckedKryo() {
        super(new NameResolver(), null);
        setMaxDepth(MAX_DEPTH);
        // the specific ones first: Kryo takes the first default serializer whose type fits
        addDefaultSerializer(List.of().getClass(), factory(ImmutableList::new));
        addDefaultSerializer(List.of(1).getClass(), factory(ImmutableList::new));
        addDefaultSerializer(List.of(1, 2, 3).subList(0, 2).getClass(), factory(ImmutableList::new));
        addDefaultSerializer(Set.of().getClass(), factory(ImmutableSet::new));
        addDefaultSerializer(Set.of(1).getClass(), factory(ImmutableSet::new));
        addDefaultSerializer(Map.of().getClass(), factory(ImmutableMap::new));
        addDefaultSerializer(Map.of(1, 1).getClass(), factory(ImmutableMap::new));
    }

    /** A new serializer per registered type, as Kryo's own factories make them (they keep per-type settings). */
    @SuppressWarnings("rawtypes")
    private static SerializerFactory<Serializer> factory(java.util.function.Supplier<? extends Serializer> make) {
        return new SerializerFactory.BaseSerializerFactory<>() {
            @Override
            public Serializer newSerializer(Kryo kryo, Class type) {
                return make.get();
            }
        };
    }

    /**
     * Kryo's choice, with the serializers that size something by a count they read swapped for checked ones of the
     * same format: the plain collection and map serializers, the priority queue's and {@code Arrays.asList}'s, and
     * the arrays (whose count is peeked before Kryo's serializer reads it). Kryo's more specific ones
     * (EnumSet, TreeSet and TreeMap with their comparator, the singletons, ...) stay as they are.
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Serializer getDefaultSerializer(Class type) {
        Serializer s = super.getDefaultSerializer(type);
        if (s.getClass() == CollectionSerializer.class) {
            return new CheckedCollection();
        }
        if (s.getClass() == MapSerializer.class) {
            return new CheckedMap();
        }
        if (s.getClass() == DefaultSerializers.PriorityQueueSerializer.class) {
            return new CheckedPriorityQueue();
        }
        if (s.getClass() == DefaultSerializers.ArraysAsListSerializer.class) {
            return new CheckedArraysAsList();
        }
        if (type.isArray() && s.getClass().getName().startsWith("com.esotericsoftware.kryo.serializers.DefaultArraySerializers$")) {
            // the bulk reads of BoundedInput charge primitive arrays; boolean[] is filled one by one
            Class<?> c = type.getComponentType();
            return new ArrayCountChecked(s, !c.isPrimitive() ? BoundedInput.REFERENCE : c == boolean.class ? 1 : 0);
        }
        return s;
    }

    /** Charges {@code size} elements (a reference each) to the message's budget, or refuses the message. */
    static void check(Input input, int size, String what) {
        if (input instanceof BoundedInput in) {
            in.checkCount(size, 1, BoundedInput.REFERENCE, what);
        }
    }

    /** Kryo's array serializers start with the length + 1 (0 for null): checked before the array is made. */
    private static final class ArrayCountChecked<T> extends Serializer<T> {
        private final Serializer<T> inner;
        private final int cost;

        ArrayCountChecked(Serializer<T> inner, int cost) {
            super(inner.getAcceptsNull(), inner.isImmutable());
            this.inner = inner;
            this.cost = cost;
        }

        @Override
        public void write(Kryo kryo, Output output, T object) {
            inner.write(kryo, output, object);
        }

        @Override
        public T read(Kryo kryo, Input input, Class<? extends T> type) {
            if (input instanceof BoundedInput in) {
                in.checkCount(in.peekVarInt() - 1L, 1, cost, type.getSimpleName());
            }
            return inner.read(kryo, input, type);
        }

        @Override
        public T copy(Kryo kryo, T original) {
            return inner.copy(kryo, original);
        }
    }

    /** Any collection: the count is checked before the collection is made (an ArrayList is sized by it). */
    @SuppressWarnings("rawtypes")
    static final class CheckedCollection extends CollectionSerializer<Collection> {
        @Override
        protected Collection create(Kryo kryo, Input input, Class<? extends Collection> type, int size) {
            check(input, size, type.getSimpleName());
            return super.create(kryo, input, type, size);
        }
    }

    /** Any map: the count is checked before the map is made. */
    @SuppressWarnings("rawtypes")
    static final class CheckedMap extends MapSerializer<Map> {
        @Override
        protected Map create(Kryo kryo, Input input, Class<? extends Map> type, int size) {
            check(input, size, type.getSimpleName());
            return super.create(kryo, input, type, size);
        }
    }

    /** A priority queue (sized by its count when made): the count is checked first. */
    @SuppressWarnings("rawtypes")
    static final class CheckedPriorityQueue extends DefaultSerializers.PriorityQueueSerializer {
        @Override
        protected java.util.PriorityQueue create(Kryo kryo, Input input, Class<? extends java.util.PriorityQueue> type,
                                                 int size) {
            check(input, size, "PriorityQueue");
            return super.create(kryo, input, type, size);
        }
    }

    /** {@code Arrays.asList(...)} (read into a list sized by its count): the count is checked first. */
    @SuppressWarnings("rawtypes")
    static final class CheckedArraysAsList extends DefaultSerializers.ArraysAsListSerializer {
        @Override
        protected List create(Kryo kryo, Input input, Class type, int size) {
            check(input, size, "Arrays.asList");
            return super.create(kryo, input, type, size);
        }
    }

    /** {@code List.of(...)}: read into a checked list, then made immutable. */
    static final class ImmutableList extends CollectionSerializer<List<Object>> {
        ImmutableList() {
            setElementsCanBeNull(false);
        }

        @Override
        protected List<Object> create(Kryo kryo, Input input, Class<? extends List<Object>> type, int size) {
            check(input, size, "List");
            return new ArrayList<>(size);
        }

        @Override
        public List<Object> read(Kryo kryo, Input input, Class<? extends List<Object>> type) {
            List<Object> list = super.read(kryo, input, type);
            return list == null ? null : List.copyOf(list);
        }

        @Override
        protected List<Object> createCopy(Kryo kryo, List<Object> original) {
            return new ArrayList<>(original.size());
        }

        @Override
        public List<Object> copy(Kryo kryo, List<Object> original) {
            return List.copyOf(super.copy(kryo, original));
        }
    }

    /** {@code Set.of(...)}: read into a checked set, then made immutable. */
    static final class ImmutableSet extends CollectionSerializer<Set<Object>> {
        ImmutableSet() {
            setElementsCanBeNull(false);
        }

        @Override
        protected Set<Object> create(Kryo kryo, Input input, Class<? extends Set<Object>> type, int size) {
            check(input, size, "Set");
            return new LinkedHashSet<>();
        }

        @Override
        public Set<Object> read(Kryo kryo, Input input, Class<? extends Set<Object>> type) {
            Set<Object> set = super.read(kryo, input, type);
            return set == null ? null : Set.copyOf(set);
        }

        @Override
        protected Set<Object> createCopy(Kryo kryo, Set<Object> original) {
            return new LinkedHashSet<>();
        }

        @Override
        public Set<Object> copy(Kryo kryo, Set<Object> original) {
            return Set.copyOf(super.copy(kryo, original));
        }
    }

    /** {@code Map.of(...)}: read into a checked map, then made immutable. */
    static final class ImmutableMap extends MapSerializer<Map<Object, Object>> {
        @Override
        protected Map<Object, Object> create(Kryo kryo, Input input, Class<? extends Map<Object, Object>> type, int size) {
            check(input, size, "Map");
            return new HashMap<>();
        }

        @Override
        public Map<Object, Object> read(Kryo kryo, Input input, Class<? extends Map<Object, Object>> type) {
            Map<Object, Object> map = super.read(kryo, input, type);
            return map == null ? null : Map.copyOf(map);
        }

        @Override
        protected Map<Object, Object> createCopy(Kryo kryo, Map<Object, Object> original) {
            return new HashMap<>();
        }

        @Override
        public Map<Object, Object> copy(Kryo kryo, Map<Object, Object> original) {
            return Map.copyOf(super.copy(kryo, original));
        }
    }

    /** Kryo's resolver, reading a class name through {@link BoundedInput}'s cache of names (no new string each time). */
    static final class NameResolver extends DefaultClassResolver {
        @Override
        protected Registration readName(Input input) {
            if (!(input instanceof BoundedInput b)) {
                return super.readName(input);
            }
            b.classNameNext(true);
            try {
                return super.readName(input);
            } finally {
                b.classNameNext(false);
            }
        }
    }
}
