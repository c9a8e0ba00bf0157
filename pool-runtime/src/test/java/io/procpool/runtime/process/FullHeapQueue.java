package io.procpool.runtime.process;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tests: the I/O loop's task queue as a full heap makes it: its adds fail for want of a node, the next {@code failures}
 * of them, or every one while {@code full} is set.
 */
final class FullHeapQueue extends ConcurrentLinkedQueue<Runnable> {

    private static final long serialVersionUID = 1L;

    final AtomicInteger failures = new AtomicInteger();
    volatile boolean full;

    @Override
    public boolean add(Runnable r) {
        if (full || failures.getAndUpdate(f -> Math.max(0, f - 1)) > 0) {
            throw new OutOfMemoryError("test: no node");
        }
        return super.add(r);
    }
}
