package io.procpool.runtime.process;

import java.nio.ByteBuffer;

/** A direct buffer with its native address, for reads and writes that go straight to the kernel. */
record DirectBuffer(ByteBuffer buffer, long address) {

    /** No buffer: what a released channel keeps, so that an object that outlives it keeps no direct memory. */
    static final DirectBuffer NONE = new DirectBuffer(0);

    DirectBuffer(int capacity) {
        this(ByteBuffer.allocateDirect(capacity));
    }

    private DirectBuffer(ByteBuffer buffer) {
        this(buffer, Native.address(buffer));
    }

    int capacity() {
        return buffer.capacity();
    }
}
