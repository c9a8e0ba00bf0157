package io.procpool.runtime.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

import com.esotericsoftware.kryo.KryoException;
import io.procpool.Task;
import io.procpool.runtime.testing.Hostile;
import io.procpool.runtime.testing.Hostile.Node;
import org.junit.jupiter.api.Test;

/** What a worker's bytes can and cannot do to the manager's decoder: pure units, no process. */
class SerializationTest {

    private final Serialization s = new Serialization(List.of(), getClass().getClassLoader());

    private Object roundTrip(Object value) {
        byte[] b = s.serialize(value);
        return s.deserialize(b, 0, b.length);
    }

    @Test
    void collectionsArraysAndRecordsRoundTrip() throws Exception {
        List<Object> values = List.of(List.of(), List.of(1), List.of(1, 2, 3), List.of(1, 2, 3).subList(0, 2),
                Set.of(), Set.of("a"), Set.of("a", "b", "c"), Map.of(), Map.of(1, "x"), Map.of(1, "x", 2, "y", 3, "z"),
                new ArrayList<>(List.of(1, 2)), new LinkedList<>(List.of("q")), new HashMap<>(Map.of("k", 2)),
                new TreeMap<>(Map.of(2, 3)), new CopyOnWriteArrayList<>(List.of(9)), "héllo wörld", "ascii",
                new Node(new Node(null, 1), 2));
        for (Object v : values) {
            assertThat(roundTrip(v)).as("%s", v).isEqualTo(v);
        }
        assertThat(roundTrip(List.of(1, 2, 3)).getClass()).isEqualTo(List.of(1, 2, 3).getClass());
        assertThat((int[]) roundTrip(new int[] {1, 2, 3})).containsExactly(1, 2, 3);
        assertThat((Object[]) roundTrip(new Object[] {"a", 1, null})).containsExactly("a", 1, null);
        assertThat((byte[]) roundTrip(new byte[] {7, 8})).containsExactly(7, 8);
        Task<Integer> lambda = () -> 42;
        assertThat(((Task<?>) roundTrip(lambda)).call()).isEqualTo(42);
    }

    /** A message whose element count claims 2^31 - 1 is refused before anything is sized by it. */
    @Test
    void aClaimedCountAboveWhatTheMessageHoldsIsRefusedBeforeAnyAllocation() {
        claimsHuge(() -> new Object[] {1, 2, 3}, () -> new Object[] {1, 2, 3, 4, 5}, false);
        claimsHuge(() -> new int[] {1, 2, 3}, () -> new int[] {1, 2, 3, 4, 5}, false);
        claimsHuge(() -> new byte[] {1, 2, 3}, () -> new byte[] {1, 2, 3, 4, 5}, false);
        claimsHuge(() -> new long[] {1, 2, 3}, () -> new long[] {1, 2, 3, 4, 5}, false);
        claimsHuge(() -> new String[] {"a", "b", "c"}, () -> new String[] {"a", "b", "c", "d", "e"}, false);
        claimsHuge(() -> new ArrayList<>(List.of(1, 2, 3)), () -> new ArrayList<>(List.of(1, 2, 3, 4, 5)), false);
        claimsHuge(() -> List.of(1, 2, 3), () -> List.of(1, 2, 3, 4, 5), false);
        claimsHuge(() -> new HashMap<>(Map.of(1, 1, 2, 2, 3, 3)),
                () -> new HashMap<>(Map.of(1, 1, 2, 2, 3, 3, 4, 4, 5, 5)), false);
        claimsHuge(() -> "ééé", () -> "ééééé", true);
    }

    private void claimsHuge(Supplier<Object> three, Supplier<Object> five, boolean stringCount) {
        byte[] lie = Hostile.forgeCount(three.get(), five.get(), stringCount);
        assertThatThrownBy(() -> s.deserialize(lie, 0, lie.length)).as("%s", three.get())
                .isInstanceOf(KryoException.class)
                .hasMessageMatching("(?s).*claims \\d{9,} elements, but only \\d+ bytes are left.*");
    }

    /** A 200,000-deep chain (written by a Kryo without limits) fails with Kryo's depth limit, not the stack. */
    @Test
    void aDeepObjectGraphFailsCleanlyAndTheDecoderWorksAfterwards() throws Exception {
        byte[][] deep = {Hostile.deepChainBytes(200_000)};
        Throwable[] thrown = new Throwable[1];
        Object[] after = new Object[1];
        CountDownLatch done = new CountDownLatch(1);
        new Thread(null, () -> {
            try {
                s.deserialize(deep[0], 0, deep[0].length);
            } catch (Throwable t) {
                thrown[0] = t;
            }
            after[0] = roundTrip(new Node(new Node(null, 1), 2));
            done.countDown();
        }, "decoder", Serialization.DECODER_STACK).start();
        done.await();
        assertThat(thrown[0]).isInstanceOf(KryoException.class).hasMessageContaining("Max depth exceeded");
        assertThat(after[0]).isEqualTo(new Node(new Node(null, 1), 2));
        // writing such a graph fails the same way, on any thread: it never overflows a caller's stack
        Node n = null;
        for (int i = 0; i < 5_000; i++) {
            n = new Node(n, i);
        }
        Node chain = n;
        assertThatThrownBy(() -> s.serialize(chain)).isInstanceOf(KryoException.class)
                .hasMessageContaining("Max depth exceeded");
    }

    /** Kryo's closure serializer writes statics when built; one per thread raced with lambdas in flight. */
    @Test
    void newThreadsSerializeLambdasWhileOthersDo() throws Exception {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int round = 0; round < 40; round++) {
            Serialization fresh = new Serialization(List.of(), getClass().getClassLoader());
            Thread[] threads = new Thread[8];
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < threads.length; i++) {
                int k = i;
                threads[i] = new Thread(() -> {
                    try {
                        go.await();
                        for (int j = 0; j < 20; j++) {
                            Task<Integer> t = () -> k;
                            byte[] b = fresh.serialize(t);
                            assertThat(((Task<?>) fresh.deserialize(b, 0, b.length)).call()).isEqualTo(k);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                threads[i].start();
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void errorBodiesAreBoundedAndCheckedWhenRead() {
        String huge = "x".repeat(8 << 20);
        byte[] body = Protocol.errorBody(new RuntimeException(huge));
        assertThat(body.length).isLessThan(3 * Protocol.MAX_ERROR_TEXT + 1000);
        String[] e = Protocol.readError(java.nio.ByteBuffer.wrap(body));
        assertThat(e[0]).isEqualTo(RuntimeException.class.getName());
        assertThat(e[1]).endsWith("(8388608 characters, cut)");
        // a length field claiming 2 GiB, a negative one, and bytes after the third string
        byte[] claim = Arrays.copyOf(Protocol.errorBody("C", "m", "s"), 15);
        java.nio.ByteBuffer.wrap(claim).putInt(0, Integer.MAX_VALUE);
        assertThatThrownBy(() -> Protocol.readError(java.nio.ByteBuffer.wrap(claim)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("claims 2147483647 bytes");
        byte[] negative = Protocol.errorBody("C", "m", "s");
        java.nio.ByteBuffer.wrap(negative).putInt(0, -5);
        assertThatThrownBy(() -> Protocol.readError(java.nio.ByteBuffer.wrap(negative)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] extra = Arrays.copyOf(Protocol.errorBody("C", "m", "s"), Protocol.errorBody("C", "m", "s").length + 3);
        assertThatThrownBy(() -> Protocol.readError(java.nio.ByteBuffer.wrap(extra)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after the third string");
    }

    @Test
    void helloIsParsedWithItsCapabilitiesAndCheckedLengths() {
        Protocol.Hello h = Protocol.readHello(java.nio.ByteBuffer.wrap(Protocol.helloBody(42, 3, "java,started")));
        assertThat(h.capacity()).isEqualTo(3);
        assertThat(h.has(Protocol.CAP_STARTED)).isTrue();
        assertThat(Protocol.readHello(java.nio.ByteBuffer.wrap(Arrays.copyOf(Protocol.helloBody(1, 1, ""), 10)))
                .capabilities()).isEmpty();
        byte[] lying = Protocol.helloBody(1, 1, "py");
        java.nio.ByteBuffer.wrap(lying).putShort(10, (short) 60000);
        assertThatThrownBy(() -> Protocol.readHello(java.nio.ByteBuffer.wrap(lying)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("claim 60000 bytes");
    }
}
