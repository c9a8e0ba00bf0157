package io.procpool.runtime.process;

import java.nio.ByteBuffer;

/** A direct buffer with its native address, for reads and writes that go straight to the kernel. */
record DirectBuffer(ByteBuffer buffer, long address) {

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
