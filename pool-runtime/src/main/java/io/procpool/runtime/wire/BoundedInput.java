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

    /** What one element slot of an object array or a collection costs on the heap, at most. */
    static final int REFERENCE = 8;

    /**
     * How much a message may make the decoder allocate by the counts it claims: 8 bytes of heap per byte of message
     * (no element takes less than one byte of message, none costs more than 8 on the heap), plus 1 MiB. Nested
     * counts that each claim every byte left would otherwise multiply a small message into gigabytes.
     */
    private long budget;

    /** Class names read, by their encoded bytes (a direct-mapped cache): see {@link #readClassName}. */
    private static final int NAMES = 64;
    /** The longest name kept (class names are short): a worker's forged names must not pin much of the heap. */
    private static final int LONGEST_NAME = 512;
    private final byte[][] nameBytes = new byte[NAMES][];
    private final String[] names = new String[NAMES];
    /** The next string read is a class name (set by {@link CheckedKryo}'s class resolver). */
    private boolean className;

    @Override
    public void setBuffer(byte[] bytes, int offset, int count) {
        super.setBuffer(bytes, offset, count);
        budget = 8L * count + (1 << 20);
    }

    /**
     * Throws unless {@code count} elements of at least {@code bytesEach} bytes of message can fit in what is left,
     * and their {@code cost} bytes of heap each fit in the message's budget (which they then use up).
     */
    void checkCount(long count, int bytesEach, int cost, String what) {
        long left = (long) limit - position;
        if (count < 0 || count * bytesEach > left) {
            throw new KryoException("a " + what + " claims " + count + " elements, but only " + left
                    + " bytes are left in the message");
        }
        budget -= count * cost;
        if (budget < 0) {
            throw new KryoException("a " + what + " of " + count + " elements takes the message over what it may"
                    + " make the decoder allocate (8 bytes per byte of message): its counts are forged");
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
        if (className) {
            className = false;
            return readClassName();
        }
        return super.readString();
    }

    /** Whether the next string read is a class name. */
    void classNameNext(boolean next) {
        className = next;
    }

    /**
     * A class name, as Kryo writes it for every object of an unregistered class, once per message: the same few names
     * come in every task and result, so the string made from the same bytes last time is returned (a new
     * {@code String} per task was a tenth of a worker's CPU samples).
     */
    private String readClassName() {
        int start = position;
        int end = asciiEnd(start);
        if (end < 0 || end - start > LONGEST_NAME) {
            return super.readString();
        }
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + buffer[i];
        }
        h = (h ^ (h >>> 16)) & (NAMES - 1);
        byte[] known = nameBytes[h];
        if (known != null && java.util.Arrays.equals(known, 0, known.length, buffer, start, end)) {
            position = end;
            return names[h];
        }
        String name = super.readString();
        if (position == end) {
            nameBytes[h] = java.util.Arrays.copyOfRange(buffer, start, end);
            names[h] = name;
        }
        return name;
    }

    /**
     * Where the string at {@code p} ends when it is ASCII, in either of Kryo's forms (ASCII bytes, the last one flagged,
     * as Kryo writes class names; or a flagged varint of the char count + 1, then UTF-8); -1 when it is not, or is
     * cut short.
     */
    private int asciiEnd(int p) {
        if (p >= limit) {
            return -1;
        }
        if ((buffer[p] & 0x80) == 0) {
            for (int i = p; i < limit; i++) {
                if ((buffer[i] & 0x80) != 0) {
                    return i + 1;
                }
            }
            return -1;
        }
        int count;
        int chars;
        try {
            count = readVarIntFlag(true) - 1;
            chars = position;
        } catch (KryoException cut) {
            return -1;
        } finally {
            position = p;
        }
        if (count < 0 || count > limit - chars) {
            return -1;
        }
        for (int i = chars; i < chars + count; i++) {
            if (buffer[i] < 0) {
                return -1;
            }
        }
        return chars + count;
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
            checkCount(count - 1L, 1, 2, "string");
        }
    }

    @Override
    public byte[] readBytes(int length) {
        checkCount(length, 1, 1, "byte array");
        return super.readBytes(length);
    }

    @Override
    public int[] readInts(int length, boolean optimizePositive) {
        checkCount(length, 1, 4, "int array");
        return super.readInts(length, optimizePositive);
    }

    @Override
    public int[] readInts(int length) {
        checkCount(length, 4, 4, "int array");
        return super.readInts(length);
    }

    @Override
    public long[] readLongs(int length, boolean optimizePositive) {
        checkCount(length, 1, 8, "long array");
        return super.readLongs(length, optimizePositive);
    }

    @Override
    public long[] readLongs(int length) {
        checkCount(length, 8, 8, "long array");
        return super.readLongs(length);
    }

    @Override
    public float[] readFloats(int length) {
        checkCount(length, 4, 4, "float array");
        return super.readFloats(length);
    }

    @Override
    public double[] readDoubles(int length) {
        checkCount(length, 8, 8, "double array");
        return super.readDoubles(length);
    }

    @Override
    public short[] readShorts(int length) {
        checkCount(length, 2, 2, "short array");
        return super.readShorts(length);
    }

    @Override
    public char[] readChars(int length) {
        checkCount(length, 2, 2, "char array");
        return super.readChars(length);
    }

    @Override
    public boolean[] readBooleans(int length) {
        checkCount(length, 1, 1, "boolean array");
        return super.readBooleans(length);
    }
}
