package io.procpool.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Keys as UTF-8 strings, values as opaque bytes, written straight into the command's Netty buffer: Lettuce encodes an
 * argument in place when its codec is a {@link ToByteBufEncoder} whose sizes are exact, where a composed codec
 * ({@code RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)}) gives a {@link ByteBuffer} per argument (a
 * wrapper for every value, a new array and buffer for every key) that is then copied. Decoding makes the one copy a
 * {@code byte[]} needs, and a key's string from it without the temporary Netty buffer {@code StringCodec} wraps.
 */
final class BytesCodec implements RedisCodec<String, byte[]>, ToByteBufEncoder<String, byte[]> {

    static final BytesCodec INSTANCE = new BytesCodec();

    private static final byte[] EMPTY = new byte[0];

    private BytesCodec() {
    }

    @Override
    public String decodeKey(ByteBuffer bytes) {
        return new String(copy(bytes), StandardCharsets.UTF_8);
    }

    @Override
    public byte[] decodeValue(ByteBuffer bytes) {
        return copy(bytes);
    }

    @Override
    public ByteBuffer encodeKey(String key) {
        return key == null ? ByteBuffer.wrap(EMPTY) : ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public ByteBuffer encodeValue(byte[] value) {
        return ByteBuffer.wrap(value == null ? EMPTY : value);
    }

    @Override
    public void encodeKey(String key, ByteBuf target) {
        if (key != null) {
            ByteBufUtil.writeUtf8(target, key);
        }
    }

    @Override
    public void encodeValue(byte[] value, ByteBuf target) {
        if (value != null) {
            target.writeBytes(value);
        }
    }

    /** The exact encoded length of a key (a String) or a value (a byte[]): Lettuce then writes in place. */
    @Override
    public int estimateSize(Object keyOrValue) {
        if (keyOrValue == null) {
            return 0;
        }
        if (keyOrValue instanceof byte[] b) {
            return b.length;
        }
        if (keyOrValue instanceof CharSequence s) {
            return ByteBufUtil.utf8Bytes(s);
        }
        throw new IllegalArgumentException("neither a String key nor a byte[] value: " + keyOrValue.getClass());
    }

    @Override
    public boolean isEstimateExact() {
        return true;
    }

    private static byte[] copy(ByteBuffer bytes) {
        if (bytes == null || !bytes.hasRemaining()) {
            return EMPTY;
        }
        byte[] b = new byte[bytes.remaining()];
        bytes.get(b);
        return b;
    }
}
