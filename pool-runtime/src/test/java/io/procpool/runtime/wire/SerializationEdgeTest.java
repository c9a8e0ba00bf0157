package io.procpool.runtime.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.esotericsoftware.kryo.KryoException;
import org.junit.jupiter.api.Test;

/** Counts that could still size something unchecked, and legitimate JDK values that must round-trip. */
class SerializationEdgeTest {

    private final Serialization s = new Serialization(List.of(), getClass().getClassLoader());

    private Object roundTrip(Object value) {
        byte[] b = s.serialize(value);
        return s.deserialize(b, 0, b.length);
    }

    /** {@code a} with the element count (first differing byte against {@code b}) forged to 2^31 - 2 elements. */
    private byte[] forge(Object three, Object five) {
        byte[] a = s.serialize(three);
        byte[] b = s.serialize(five);
        int at = 0;
        while (a[at] == b[at]) {
            at++;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(a, 0, at);
        out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x07});
        out.write(a, at + 1, a.length - at - 1);
        return out.toByteArray();
    }

    /** Decodes on a thread with the decoder's stack; returns what it threw (null if nothing). */
    private Throwable decodeThrows(byte[] b) throws InterruptedException {
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                s.deserialize(b, 0, b.length);
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, "decode", Serialization.DECODER_STACK);
        t.start();
        t.join();
        return thrown[0];
    }

    /**
     * Kryo's PriorityQueueSerializer (registered by Kryo's constructor for PriorityQueue, so it wins over the checked
     * Collection default) sizes {@code new PriorityQueue(size, comparator)} by the unchecked count.
     */
    @Test
    void aPriorityQueueWithAForgedCountIsRefusedBeforeAllocation() throws Exception {
        byte[] forged = forge(new PriorityQueue<>(List.of(1, 2, 3)), new PriorityQueue<>(List.of(1, 2, 3, 4, 5)));
        Throwable t = decodeThrows(forged);
        assertThat(t).isInstanceOf(KryoException.class).hasMessageContaining("claims");
    }

    /** Kryo's ArraysAsListSerializer makes {@code Array.newInstance(componentType, length)} by the unchecked count. */
    @Test
    void anArraysAsListWithAForgedCountIsRefusedBeforeAllocation() throws Exception {
        byte[] forged = forge(Arrays.asList(1, 2, 3), Arrays.asList(1, 2, 3, 4, 5));
        Throwable t = decodeThrows(forged);
        assertThat(t).isInstanceOf(KryoException.class).hasMessageContaining("claims");
    }

    /**
     * Each count is checked against the bytes left at 1 byte per element, but an {@code Object[]} costs 4-8 bytes per
     * element and nesting multiplies it: every level claims (nearly) all the bytes left, passes the check, and stays
     * referenced while the next level is read. A 256 KiB message 200 levels deep makes the decoder allocate
     * ~200 MiB; a 16 MiB frame (the default maxMessageSize) 999 levels deep asks for ~64 GiB: an OutOfMemoryError
     * in the manager again, the very class of issue 11's finding 3.
     */
    @Test
    void nestedCountsCannotAmplifyOneMessageIntoGigabytes() throws Exception {
        int size = 256 << 10;
        int depth = 200;
        byte[] msg = new byte[size];
        // as Kryo writes new Object[] {new Object[] {...}}: level 1 names the class, the next ones refer to it
        byte[] first = java.util.HexFormat.of().parseHex("01005b4c6a6176612e6c616e672e4f626a656374bb01");
        byte[] next = java.util.HexFormat.of().parseHex("010001");
        int p = 0;
        for (int level = 0; level < depth; level++) {
            byte[] h = level == 0 ? first : next;
            System.arraycopy(h, 0, msg, p, h.length);
            p += h.length;
            p = writeVarInt(msg, p, size - p - 8 + 1);  // claims all that is left (its count + 1)
        }
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long[] allocated = new long[1];
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(null, () -> {
            long before = mx.getCurrentThreadAllocatedBytes();
            try {
                s.deserialize(msg, 0, msg.length);
            } catch (Throwable e) {
                thrown[0] = e;
            }
            allocated[0] = mx.getCurrentThreadAllocatedBytes() - before;
        }, "decode", Serialization.DECODER_STACK);
        t.start();
        t.join();
        assertThat(thrown[0]).isInstanceOf(KryoException.class);
        assertThat(allocated[0]).as("bytes allocated decoding one message of %d bytes", size)
                .isLessThan(16L * size);
    }

    private static int writeVarInt(byte[] b, int p, int v) {
        while ((v & ~0x7f) != 0) {
            b[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        return p;
    }

    enum Color { RED, GREEN, BLUE }

    record Point(int x, int y) {
    }

    record Holder(List<Point> points, Map<String, List<Integer>> nested, Color color) {
    }


    /** These round-trip, before and after the change (a guard for whatever fixes the ones below). */
    @Test
    void legitimateValuesRoundTrip() {
        List<Object> values = new ArrayList<>(List.of(
                new Holder(List.of(new Point(1, 2), new Point(3, 4)), Map.of("k", List.of(1, 2)), Color.GREEN),
                Color.BLUE, EnumSet.noneOf(Color.class),
                new LinkedHashMap<>(Map.of("a", 1)), BitSet.valueOf(new long[] {5, 7}), Optional.of("x"),
                new BigDecimal("123.4567890123456789"), new ArrayList<>(Arrays.asList(1, null, 3)),
                List.of(List.of(1), List.of(2, 3))));
        for (Object v : values) {
            assertThat(roundTrip(v)).as("%s", v).isEqualTo(v);
        }
        Point[] pts = {new Point(1, 1), null, new Point(2, 2)};
        assertThat((Point[]) roundTrip(pts)).containsExactly(pts);
        assertThat(new ArrayList<Object>((ArrayDeque<?>) roundTrip(new ArrayDeque<>(List.of(1, 2, 3)))))
                .containsExactly(1, 2, 3);
    }

    /*
     * Regressions of f33f949: CheckedKryo adds Collection.class and Map.class as default serializers, and Kryo gives
     * defaults added after its constructor priority over its own built-in ones: EnumSetSerializer, TreeSetSerializer,
     * TreeMapSerializer, PriorityQueueSerializer, ArraysAsListSerializer, CollectionsSingleton*Serializer are never
     * chosen any more. Each of these round-tripped with b4a804b's Kryo.
     */

    @Test
    void anEnumSetRoundTrips() {
        assertThat(roundTrip(EnumSet.of(Color.RED, Color.BLUE))).isEqualTo(EnumSet.of(Color.RED, Color.BLUE));
    }

    @Test
    void arraysAsListRoundTrips() {
        assertThat(roundTrip(Arrays.asList("a", "b"))).isEqualTo(List.of("a", "b"));
        record Names(List<String> names) {
        }
        assertThat(roundTrip(new Names(Arrays.asList("x", "y")))).isEqualTo(new Names(List.of("x", "y")));
    }

    @Test
    void collectionsSingletonsRoundTrip() {
        assertThat(roundTrip(java.util.Collections.singletonList(1))).isEqualTo(List.of(1));
        assertThat(roundTrip(java.util.Collections.singleton(1))).isEqualTo(Set.of(1));
        assertThat(roundTrip(java.util.Collections.singletonMap(1, 2))).isEqualTo(Map.of(1, 2));
    }

    /** Worse than failing: the comparator is silently dropped, and the order (or a non-Comparable element) breaks. */
    @Test
    void sortedCollectionsKeepTheirComparator() {
        TreeSet<String> ts = new TreeSet<>(Comparator.reverseOrder());
        ts.addAll(List.of("a", "c", "b"));
        assertThat(new ArrayList<Object>((TreeSet<?>) roundTrip(ts))).containsExactly("c", "b", "a");
        TreeMap<String, Integer> tm = new TreeMap<>(Comparator.reverseOrder());
        tm.putAll(Map.of("a", 1, "b", 2));
        assertThat(((TreeMap<?, ?>) roundTrip(tm)).firstKey()).isEqualTo("b");
        PriorityQueue<Integer> pq = new PriorityQueue<>(Comparator.reverseOrder());
        pq.addAll(List.of(1, 5, 3));
        assertThat(((PriorityQueue<?>) roundTrip(pq)).peek()).isEqualTo(5);
    }

    /** A task's exception whose getMessage() throws (a buggy toString/getMessage override). */
    static final class BadMessage extends RuntimeException {
        @Override
        public String getMessage() {
            throw new IllegalStateException("getMessage is broken");
        }
    }

    /**
     * Protocol.errorBody falls back twice, and both fallbacks call getMessage() again: the ERROR says
     * java.lang.OutOfMemoryError, "the worker ran out of memory while encoding this task's error", for a task that
     * threw a BadMessage with memory to spare. Expected: the task's own exception class.
     */
    @Test
    void anErrorWhoseGetMessageThrowsIsNotReportedAsOutOfMemory() {
        String[] e = Protocol.readError(java.nio.ByteBuffer.wrap(Protocol.errorBody(new BadMessage())));
        assertThat(e[0]).isEqualTo(BadMessage.class.getName());
    }
}
