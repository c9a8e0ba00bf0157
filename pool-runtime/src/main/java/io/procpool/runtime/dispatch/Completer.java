package io.procpool.runtime.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;

/**
 * The threads that complete futures (never the I/O thread), a batch of results per hand-off; they decode results,
 * so their stacks are sized for the deepest object graph the codec lets through.
 *
 * <p>User code runs here (non-async dependents of task futures, {@code allOf} over them, event listeners) and may
 * block. So the completer is elastic, as a {@code ForkJoinPool} compensates for a blocked worker: one thread
 * normally; when work waits and no completion finished for {@link #STALL_NANOS}, the batch in hand goes back to the
 * front of the queue and another thread takes it (up to {@link #MAX_THREADS}; extra threads leave after
 * {@link #IDLE_NANOS} idle). Ordered still: one {@link Ordered} key's deliveries (a task's events, then its end) run
 * one at a time in hand order; a plain runnable (a barrier: a {@code shutdownNow}'s list, termination) runs once the
 * futures handed before it are done. Once stopped, a batch handed over runs on the caller's thread: none is dropped.
 */
final class Completer {

    private static final Logger LOG = io.procpool.runtime.process.Logs.logger(Completer.class);
    /** No completion finished for this long while work waits: the completer threads are blocked by user code. */
    static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final int MAX_THREADS = 256;
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final CompletionBatch STOP = new CompletionBatch(new Runnable[0]);

    /** What one key's deliveries synchronize on: a task's events and completion never overlap or reorder. */
    abstract static class Ordered {
        /** Whether this key's outcome is decided (a task whose future is done): see {@link #settledAhead}. */
        abstract boolean settled();

        private boolean delivering;  // guarded by this
        private Delivery first;  // its steps handed and not yet taken, in hand order, through Delivery.next; ditto
        private Delivery last;
    }

    /**
     * A completion step of one key (a task), ordered with the others of its key: registered with the key when handed
     * (so the key's order is the hand order), in a list through the steps themselves (nothing else allocated).
     */
    static class Delivery implements Runnable {
        final Ordered key;
        private final Runnable action;
        CompletionBatch batch;  // set when handed
        boolean taken;  // guarded by the key
        Delivery next;  // the key's next step; guarded by the key

        Delivery(Ordered key, Runnable action) {
            this.key = key;
            this.action = action;
        }

        /** For a step that is its own action (it overrides {@link #run}): one object per step, not two. */
        Delivery(Ordered key) {
            this(key, null);
        }

        @Override
        public void run() {
            action.run();
        }
    }

    private final String name;
    private final LinkedBlockingDeque<CompletionBatch> queue = new LinkedBlockingDeque<>();
    /** CompletionBatches handed and not yet finished, in hand order: what a barrier waits for. */
    private final ConcurrentLinkedDeque<CompletionBatch> open = new ConcurrentLinkedDeque<>();
    private final List<Runner> runners = new ArrayList<>();  // guarded by lock
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicLong progress = new AtomicLong();
    private final Object lock = new Object();
    private boolean stopped;  // guarded by lock
    private int started;  // threads ever started; guarded by lock
    private boolean warned;  // guarded by lock
    private final Thread watchdog;

    Completer(String name) {
        this.name = name;
        synchronized (lock) {
            addRunner();
        }
        watchdog = new Thread(this::watch, "procpool-complete-watch-" + name);
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Hands a batch over; a plain (unkeyed) runnable in it is a barrier, which runs after all handed before it. */
    void hand(List<Runnable> batch) {
        boolean plain = true;
        for (int i = 0; i < batch.size() && plain; i++) {
            plain = batch.get(i) instanceof Delivery;
        }
        // the common case, task completions only, is one batch and no list of parts
        CompletionBatch one = plain ? new CompletionBatch(batch.toArray(new Runnable[batch.size()])) : null;
        List<CompletionBatch> parts = plain ? null : split(batch);
        int n = plain ? 1 : parts.size();
        synchronized (lock) {
            for (int i = 0; i < n; i++) {  // in hand order: each key's deliveries run in this order, on any thread
                register(plain ? one : parts.get(i));
            }
            if (!stopped) {
                for (int i = 0; i < n; i++) {
                    open.add(plain ? one : parts.get(i));
                    queue.add(plain ? one : parts.get(i));
                }
                return;
            }
        }
        for (int i = 0; i < n; i++) {
            runLate(plain ? one : parts.get(i));
        }
    }

    /** The pool has terminated: a late completion runs here rather than never. */
    private void runLate(CompletionBatch b) {
        for (Runnable r : b.items) {
            if (r instanceof Delivery s) {
                deliver(s);  // still after its key's earlier deliveries
            } else {
                run(r);
            }
        }
    }

    /** Runs {@code last} after everything already handed has finished, then stops. */
    void stop(Runnable last) {
        hand(List.of(last));
        queue.add(STOP);
    }

    /** Whether the caller is one of this completer's threads. */
    boolean isCurrentThread() {
        return Thread.currentThread() instanceof Runner r && r.owner == this;
    }

    /** How many completer threads run now (one unless callbacks blocked them). */
    int threads() {
        synchronized (lock) {
            return runners.size();
        }
    }

    /** Queues the deliveries of {@code b} with their keys, in hand order. Under lock. */
    private static void register(CompletionBatch b) {
        for (int i = 0; i < b.items.length; i++) {
            if (b.items[i] instanceof Delivery s) {
                s.batch = b;
                Ordered key = s.key;
                synchronized (key) {
                    if (key.last == null) {
                        key.first = s;
                    } else {
                        key.last.next = s;
                    }
                    key.last = s;
                }
            }
        }
    }

    /** Cuts a batch that holds a barrier so that every barrier is a batch of its own. */
    private static List<CompletionBatch> split(List<Runnable> batch) {
        List<CompletionBatch> parts = new ArrayList<>(1);
        int from = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (!(batch.get(i) instanceof Delivery)) {
                if (i > from) {
                    parts.add(new CompletionBatch(batch.subList(from, i).toArray(new Runnable[0])));
                }
                parts.add(new CompletionBatch(new Runnable[] {batch.get(i)}, true));
                from = i + 1;
            }
        }
        if (from < batch.size()) {
            parts.add(new CompletionBatch(from == 0 ? batch.toArray(new Runnable[0])
                    : batch.subList(from, batch.size()).toArray(new Runnable[0])));
        }
        return parts;
    }

    // ============================================================================================ the threads

    private void addRunner() {  // under lock
        Runner r = new Runner(this, started++);
        runners.add(r);
        r.start();
    }

    private void loop(Runner self) {
        while (true) {
            CompletionBatch b;
            idle.incrementAndGet();
            try {
                b = queue.pollFirst(IDLE_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                continue;
            } finally {
                idle.decrementAndGet();
            }
            if (b == null) {
                synchronized (lock) {
                    if (runners.size() > 1) {  // an extra thread, idle: it leaves
                        runners.remove(self);
                        return;
                    }
                }
                continue;
            }
            if (b == STOP) {
                stopRunning();
                return;
            }
            self.batch = b;
            int i;
            while ((i = b.claim()) < b.items.length) {
                runItem(b, b.items[i]);
            }
            self.batch = null;
        }
    }

    private void runItem(CompletionBatch b, Runnable r) {
        if (r instanceof Delivery s) {
            deliver(s);
            return;
        }
        if (b.barrier) {
            while (open.peekFirst() != b && !settledAhead(b)) {  // rare (shutdownNow, termination): poll
                LockSupport.parkNanos(1_000_000L);
            }
        }
        run(r);
        finished(b);
    }

    /**
     * Whether every batch ahead of barrier {@code b} has finished, or holds only deliveries whose key is
     * {@link Ordered#settled settled} (a task whose future is done): what a barrier promises is that the futures
     * handed before it are done; a user callback still running in one (blocked on something outside the pool) must
     * not hold back a {@code shutdownNow}'s list or termination.
     */
    private boolean settledAhead(CompletionBatch b) {
        for (CompletionBatch ahead : open) {
            if (ahead == b) {
                return true;
            }
            if (ahead.remaining == 0) {
                continue;
            }
            for (Runnable r : ahead.items) {
                if (!(r instanceof Delivery s) || !s.key.settled()) {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * Runs {@code s} and, before it, its key's deliveries handed earlier and not yet taken, then the later ones; or,
     * when another thread delivers that key now (or took {@code s}), leaves it to that thread. Two threads working
     * on two batches (or one) never reorder a key: its order is the hand order, fixed in {@link #register}.
     */
    private void deliver(Delivery s) {
        Ordered key = s.key;
        synchronized (key) {
            if (s.taken || key.delivering) {
                return;  // whoever delivers now runs it: it is in the key's pending steps
            }
            key.delivering = true;
        }
        while (true) {
            Delivery next;
            synchronized (key) {
                next = key.first;
                if (next == null) {
                    key.delivering = false;
                    return;
                }
                key.first = next.next;
                key.last = key.first == null ? null : key.last;
                next.taken = true;
            }
            run(next);
            finished(next.batch);
        }
    }

    private void finished(CompletionBatch b) {
        progress.incrementAndGet();
        if (b.finishOne() == 0) {
            open.remove(b);
        }
    }

    private static void run(Runnable r) {
        try {
            r.run();
        } catch (Throwable e) {  // each completion fails its own task on any error; this is the last guard
            LOG.error("completing a task future failed", e);
        }
    }

    private void stopRunning() {
        List<CompletionBatch> late = new ArrayList<>();
        synchronized (lock) {
            stopped = true;
            queue.drainTo(late);
            runners.clear();
        }
        queue.add(STOP);  // the other threads leave too
        watchdog.interrupt();
        for (CompletionBatch b : late) {
            if (b != STOP) {
                int i;
                while ((i = b.claim()) < b.items.length) {
                    runItem(b, b.items[i]);
                }
            }
        }
    }

    /** Adds a thread when work waits and no completion has finished for STALL_NANOS (user code blocks them). */
    private void watch() {
        long seen = -1;
        while (true) {
            try {
                TimeUnit.NANOSECONDS.sleep(STALL_NANOS);
            } catch (InterruptedException e) {
                return;
            }
            long now = progress.get();
            boolean stalled = now == seen;
            seen = now;
            if (!stalled) {
                continue;
            }
            synchronized (lock) {
                if (stopped) {
                    return;
                }
                boolean waiting = !queue.isEmpty();
                for (Runner r : runners) {
                    CompletionBatch b = r.batch;
                    if (b != null && b.next < b.items.length && !queue.contains(b)) {
                        queue.addFirst(b);  // its other items go on without the blocked thread
                        waiting = true;
                    }
                }
                if (waiting && idle.get() == 0 && runners.size() < MAX_THREADS) {
                    // waiting: user code blocks it (warn, once); running: a slow callback, or a busy machine
                    boolean waitsInUserCode = false;
                    for (Runner r : runners) {
                        waitsInUserCode |= r.batch != null && r.getState() != Thread.State.RUNNABLE;
                    }
                    if (waitsInUserCode && !warned) {
                        warned = true;
                        LOG.warn("{} - a callback of a task future has blocked the pool's completion thread for over"
                                + " {} ms; adding a completion thread (run slow callbacks with thenApplyAsync(fn,"
                                + " executor) and the like)", name, TimeUnit.NANOSECONDS.toMillis(STALL_NANOS));
                    } else {
                        LOG.debug("{} - no completion finished for {} ms while work waits; adding a completion thread",
                                name, TimeUnit.NANOSECONDS.toMillis(STALL_NANOS));
                    }
                    addRunner();
                }
            }
        }
    }

    private static final class Runner extends Thread {
        final Completer owner;
        volatile CompletionBatch batch;

        Runner(Completer owner, int n) {
            super(null, null, "procpool-complete-" + owner.name + (n == 0 ? "" : "-" + (n + 1)),
                    io.procpool.runtime.wire.Serialization.DECODER_STACK);
            this.owner = owner;
            setDaemon(true);
        }

        @Override
        public void run() {
            owner.loop(this);
        }
    }
}
