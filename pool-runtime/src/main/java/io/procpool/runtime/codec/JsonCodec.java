package io.procpool.runtime.codec;

import java.io.IOException;
import java.util.Objects;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.procpool.Codec;

/**
 * JSON with Jackson (jackson-databind is an optional dependency of procpool: add it to use this). Values are
 * written as compact UTF-8 JSON, on one line, so this codec also suits line mode.
 *
 * <pre>{@code
 * ExecPool<Job, Result> pool = ExecPool.builder(JsonCodec.of(Job.class), JsonCodec.of(Result.class))...
 * }</pre>
 *
 * @param <T> the values' type
 */
public final class JsonCodec<T> implements Codec<T> {

    private static final ObjectMapper SHARED = new ObjectMapper();

    private final ObjectMapper mapper;
    private final JavaType type;

    private JsonCodec(ObjectMapper mapper, JavaType type) {
        this.mapper = mapper;
        this.type = type;
    }

    /** JSON of {@code type} with a default ObjectMapper. */
    public static <T> JsonCodec<T> of(Class<T> type) {
        return new JsonCodec<>(SHARED, SHARED.constructType(Objects.requireNonNull(type, "type")));
    }

    /** JSON of a generic type, e.g. {@code new TypeReference<Map<String, List<Integer>>>() {}}. */
    public static <T> JsonCodec<T> of(TypeReference<T> type) {
        return new JsonCodec<>(SHARED, SHARED.constructType(Objects.requireNonNull(type, "type")));
    }

    /** JSON of {@code type} with your own (configured) ObjectMapper; it must not be reconfigured afterwards. */
    public static <T> JsonCodec<T> of(ObjectMapper mapper, Class<T> type) {
        return new JsonCodec<>(Objects.requireNonNull(mapper, "mapper"), mapper.constructType(type));
    }

    @Override
    public byte[] encode(T value) {
        try {
            return mapper.writerFor(type).writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + type + " as JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public T decode(byte[] bytes, int offset, int length) {
        try {
            return mapper.readValue(bytes, offset, length, type);
        } catch (IOException e) {
            String text = new String(bytes, offset, Math.min(length, 200), java.nio.charset.StandardCharsets.UTF_8);
            throw new IllegalArgumentException("not JSON of " + type + ": " + e.getMessage().split("\n")[0]
                    + "; received: '" + text + (length > 200 ? "...'" : "'"), e);
        }
    }

    @Override
    public String toString() {
        return "JsonCodec(" + type + ")";
    }
}
