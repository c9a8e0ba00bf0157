package io.procpool;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Turns values into the bytes of a message body and back: the typed side of a pool whose workers are not JVMs.
 * Implementations must be thread-safe: submitters encode in their own threads, the pool decodes on one of its own.
 *
 * @param <T> the values' type
 */
public interface Codec<T> {

    /** The bytes of {@code value}; an exception here fails {@code submit} with IllegalArgumentException. */
    byte[] encode(T value);

    /** The value of {@code length} bytes of {@code bytes} from {@code offset}; an exception fails that task. */
    T decode(byte[] bytes, int offset, int length);

    /** Bytes as they are. */
    static Codec<byte[]> bytes() {
        return new Codec<>() {
            @Override
            public byte[] encode(byte[] value) {
                return Objects.requireNonNull(value, "value");
            }

            @Override
            public byte[] decode(byte[] bytes, int offset, int length) {
                return java.util.Arrays.copyOfRange(bytes, offset, offset + length);
            }

            @Override
            public String toString() {
                return "Codec.bytes()";
            }
        };
    }

    /** Text as UTF-8. */
    static Codec<String> utf8() {
        return new Codec<>() {
            @Override
            public byte[] encode(String value) {
                return value.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String decode(byte[] bytes, int offset, int length) {
                return new String(bytes, offset, length, StandardCharsets.UTF_8);
            }

            @Override
            public String toString() {
                return "Codec.utf8()";
            }
        };
    }
}
