package io.procpool.runtime.dispatch;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;

/** Tests: the completer's deques, whose adds fail as a full heap would fail them (no node). */
final class FailingDeques {

    private FailingDeques() {
    }

    /** Fails {@code failures} adds after letting {@code skip} through; counts down under the caller's eye. */
    static final class Faults {
        final AtomicInteger skip = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

        void set(int skipFirst, int thenFail) {
            failures.set(0);
            skip.set(skipFirst);
            failures.set(thenFail);
        }

        void check(String what) {
            if (failures.get() > 0 && skip.getAndUpdate(s -> Math.max(0, s - 1)) == 0
                    && failures.getAndUpdate(f -> Math.max(0, f - 1)) > 0) {
                throw new OutOfMemoryError("test: no node for " + what);
            }
        }
    }

    static final class Queue extends LinkedBlockingDeque<CompletionBatch> {
        final Faults adds = new Faults();
        final Faults addFirsts = new Faults();
        /** A timed wait's node (AbstractQueuedSynchronizer makes one per wait). */
        final Faults waits = new Faults();

        @Override
        public CompletionBatch pollFirst(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
            waits.check("a wait");
            return super.pollFirst(timeout, unit);
        }

        @Override
        public boolean add(CompletionBatch b) {
            adds.check("the queue");
            return super.add(b);
        }

        @Override
        public void addFirst(CompletionBatch b) {
            addFirsts.check("the queue's front");
            super.addFirst(b);
        }
    }

    static final class Open extends ConcurrentLinkedDeque<CompletionBatch> {
        final Faults adds = new Faults();
        /** A look through it (a barrier's wait): the iterator is an object. */
        final Faults iterators = new Faults();

        @Override
        public boolean add(CompletionBatch b) {
            adds.check("the open list");
            return super.add(b);
        }

        @Override
        public java.util.Iterator<CompletionBatch> iterator() {
            iterators.check("an iterator");
            return super.iterator();
        }
    }
}
