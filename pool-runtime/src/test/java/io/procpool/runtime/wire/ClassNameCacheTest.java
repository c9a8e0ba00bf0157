package io.procpool.runtime.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import com.esotericsoftware.kryo.KryoException;
import org.junit.jupiter.api.Test;

/**
 * The decoder's cache of class names (a name's string is made once per thread, not once per message): many classes,
 * short and long names (Kryo writes them in its ASCII form), non-ASCII names, in one thread, never confused.
 */
class ClassNameCacheTest {

    private final Serialization s = new Serialization(List.of(), getClass().getClassLoader());

    record A(int n) { }

    record B(int n) { }

    record AVeryLongRecordNameOverThe32CharsOfKryosAsciiStrings(int n) { }

    record AVeryLongRecordNameOverThe32CharsOfKryosAsciiStrings2(int n) { }

    record Ünïcödé(String s) { }

    record Pair(Object left, Object right) { }

    private Object roundTrip(Object value) {
        byte[] b = s.serialize(value);
        return s.deserialize(b, 0, b.length);
    }

    @Test
    void classesOfEveryNameFormComeBackAsThemselvesRoundAfterRound() {
        List<Object> values = new ArrayList<>(List.of(new A(1), new B(2),
                new AVeryLongRecordNameOverThe32CharsOfKryosAsciiStrings(3),
                new AVeryLongRecordNameOverThe32CharsOfKryosAsciiStrings2(4), new Ünïcödé("é"),
                new Pair(new A(5), new B(6)), new Pair(new Ünïcödé("x"), new A(7)), "a string", 8L, List.of(new B(9))));
        values.addAll(List.of(new java.util.ArrayList<>(List.of(1)), new java.util.LinkedList<>(List.of(2)),
                new java.util.HashMap<>(java.util.Map.of(3, 4)), new java.util.TreeMap<>(java.util.Map.of(5, 6)),
                new java.util.HashSet<>(List.of(7)), new java.util.TreeSet<>(List.of(8)),
                new java.util.ArrayDeque<>(List.of(9)).size(), new java.math.BigDecimal("1.5"),
                java.math.BigInteger.TEN, new java.util.BitSet(3)));
        for (int round = 0; round < 3; round++) {
            for (Object v : values) {
                Object back = roundTrip(v);
                assertThat(back).as("%s", v).isEqualTo(v);
                assertThat(back.getClass()).isSameAs(v.getClass());
            }
        }
    }

    @Test
    void aClassNameCutShortOrForgedStillFailsAsKryoException() {
        byte[] b = s.serialize(new AVeryLongRecordNameOverThe32CharsOfKryosAsciiStrings(1));
        for (int cut = 1; cut < 40; cut++) {
            int length = cut;
            assertThatThrownBy(() -> s.deserialize(b, 0, length)).isInstanceOf(KryoException.class);
        }
        byte[] forged = s.serialize(new A(1));
        String name = A.class.getName().substring(0, A.class.getName().length() - 1);  // the last byte is flagged
        int at = new String(forged, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf(name);
        assertThat(at).isPositive();
        for (int i = at; i < at + name.length(); i++) {  // one char of the name changed: no such class
            byte[] copy = forged.clone();
            copy[i] ^= 0x01;
            assertThatThrownBy(() -> s.deserialize(copy, 0, copy.length)).isInstanceOf(KryoException.class);
        }
        assertThat(roundTrip(new A(1))).isEqualTo(new A(1));  // and the cache still holds the right name
    }
}
