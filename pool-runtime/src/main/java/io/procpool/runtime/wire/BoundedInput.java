package io.procpool.runtime.wire;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * A Kryo input over one message's bytes that checks every count it is asked to allocate for against the bytes
 * left: an array, string or collection of {@code n} elements needs at least {@code n} bytes, so a claimed count
 * above what is left is a lie, refused before anything is sized by it. The bytes come from a worker: a frame
 * naming an {@code Object[2147483646]} must fail that task, not the manager's heap.
 */
final class BoundedInput extends Input {

    /** Throws unless {@code count} elements of at least {@code bytesEach} byte can fit in what is left. */
    void checkCount(long count, int bytesEach, String what) {
        long left = (long) limit - position;
        if (count < 0 || count * bytesEach > left) {
            throw new KryoException("a " + what + " claims " + count + " elements, but only " + left
                    + " bytes are left in the message");
        }
    }

    /** The unsigned varint at the position, without moving it (a serializer reads it again). */
    int peekVarInt() {
        int p = position;
        try {
            return readVarInt(true);
        } finally {
            position = p;
        }
    }

    @Override
    public String readString() {
        checkStringLength();
        return super.readString();
    }

    @Override
    public StringBuilder readStringBuilder() {
        checkStringLength();
        return super.readStringBuilder();
    }

    /** A UTF-8 string starts with its char count + 1 (flag bit 0x80 of the first byte set); ASCII ones do not. */
    private void checkStringLength() {
        int p = position;
        if (p < limit && (buffer[p] & 0x80) != 0) {
            int count;
            try {
                count = readVarIntFlag(true);
            } finally {
                position = p;
            }
            checkCount(count - 1L, 1, "string");
        }
    }

    @Override
    public byte[] readBytes(int length) {
        checkCount(length, 1, "byte array");
        return super.readBytes(length);
    }

    @Override
    public int[] readInts(int length, boolean optimizePositive) {
        checkCount(length, 1, "int array");
        return super.readInts(length, optimizePositive);
    }

    @Override
    public int[] readInts(int length) {
        checkCount(length, 4, "int array");
        return super.readInts(length);
    }

    @Override
    public long[] readLongs(int length, boolean optimizePositive) {
        checkCount(length, 1, "long array");
        return super.readLongs(length, optimizePositive);
    }

    @Override
    public long[] readLongs(int length) {
        checkCount(length, 8, "long array");
        return super.readLongs(length);
    }

    @Override
    public float[] readFloats(int length) {
        checkCount(length, 4, "float array");
        return super.readFloats(length);
    }

    @Override
    public double[] readDoubles(int length) {
        checkCount(length, 8, "double array");
        return super.readDoubles(length);
    }

    @Override
    public short[] readShorts(int length) {
        checkCount(length, 2, "short array");
        return super.readShorts(length);
    }

    @Override
    public char[] readChars(int length) {
        checkCount(length, 2, "char array");
        return super.readChars(length);
    }

    @Override
    public boolean[] readBooleans(int length) {
        checkCount(length, 1, "boolean array");
        return super.readBooleans(length);
    }
}
