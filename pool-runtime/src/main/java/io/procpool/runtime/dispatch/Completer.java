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

    private final String name;
    private final LinkedBlockingDeque<CompletionBatch> queue;
    /** CompletionBatches handed and not yet finished, in hand order: what a barrier waits for. */
    private final ConcurrentLinkedDeque<CompletionBatch> open;
    private final List<Runner> runners = new ArrayList<>();  // guarded by lock
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicLong progress = new AtomicLong();
    private final Object lock = new Object();
    private boolean stopped;  // guarded by lock
    private int started;  // threads ever started; guarded by lock
    private boolean warned;  // guarded by lock
    private final Thread watchdog;
    /** The batch {@link #runHere} runs, and its thread. */
    private volatile CompletionBatch here;
    private volatile Thread hereThread;

    Completer(String name) {
        this(name, new LinkedBlockingDeque<>(), new ConcurrentLinkedDeque<>());
    }

    /** Tests: over the deques given (one whose add fails as an OutOfMemoryError would fail it). */
    Completer(String name, LinkedBlockingDeque<CompletionBatch> queue, ConcurrentLinkedDeque<CompletionBatch> open) {
        this.name = name;
        this.queue = queue;
        this.open = open;
        synchronized (lock) {
            addRunner();
        }
        watchdog = new Thread(this::watch, "procpool-complete-watch-" + name);
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /**
     * Hands a batch over; a plain (unkeyed) runnable in it is a barrier, which runs after all handed before it.
     * Failure-atomic: when it throws (an OutOfMemoryError making its parts), nothing of the batch was taken and the
     * caller hands it again; once taken, every part runs (one that cannot be queued, on the caller's thread).
     */
    void hand(List<Runnable> batch) {
        runLeft(handLeaving(batch));
    }

    /** As {@link #hand}; the parts taken, not queued (no memory), are the caller's to {@link #runLeft run}, or null. */
    CompletionBatch handLeaving(List<Runnable> batch) {
        boolean plain = CompletionBatch.deliveriesOnly(batch);
        // the common case, task completions only, is one batch and no list of parts
        CompletionBatch one = plain ? new CompletionBatch(batch.toArray(new Runnable[batch.size()])) : null;
        List<CompletionBatch> parts = plain ? null : CompletionBatch.split(batch);
        int n = plain ? 1 : parts.size();
        int queued = 0;
        boolean late;
        synchronized (lock) {
            late = stopped;
            int opened = 0;
            try {  // all parts open, or none: an OutOfMemoryError (a node) before anything is registered
                for (; !late && opened < n; opened++) {
                    open.add(plain ? one : parts.get(opened));
                }
            } catch (OutOfMemoryError noNode) {
                for (int i = 0; i < opened; i++) {
                    open.removeLastOccurrence(plain ? one : parts.get(i));
                }
                throw noNode;
            }
            for (int i = 0; i < n; i++) {  // in hand order: each key's deliveries run in this order, on any thread
                (plain ? one : parts.get(i)).register();
            }
            try {
                for (; !late && queued < n; queued++) {
                    queue.add(plain ? one : parts.get(queued));
                }
            } catch (OutOfMemoryError noNode) {
                // registered, so they must run: the parts not queued are left to the caller (the I/O thread: call-out)
            }
        }
        CompletionBatch left = null;
        for (int i = n - 1; i >= (late ? n : queued); i--) {  // linked in hand order
            CompletionBatch p = plain ? one : parts.get(i);
            p.left = left;
            left = p;
        }
        for (int i = 0; late && i < n; i++) {
            runLate(plain ? one : parts.get(i));
        }
        return left;
    }

    /** Runs, on the caller's thread and in hand order, the parts {@link #handLeaving} left to it. */
    void runLeft(CompletionBatch left) {
        for (CompletionBatch p = left; p != null; p = p.left) {
            runClaimed(p);
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

    /** Whether the caller is one of this completer's threads, or runs a batch {@link #runHere here}. */
    boolean isCurrentThread() {
        return Thread.currentThread() instanceof Runner r && r.owner == this || Thread.currentThread() == hereThread;
    }

    /**
     * Takes a batch of task completions (deliveries only) to {@link #runHere run on the caller's thread}: ordered
     * with everything handed, as {@link #hand} would. Null when it holds a barrier, or the completer stopped: hand it.
     * One at a time: the caller adopts none while a thread that lost the I/O loop still runs one
     * ({@link Completions}). Failure-atomic as {@link #hand}.
     */
    CompletionBatch adopt(List<Runnable> batch) {
        if (!CompletionBatch.deliveriesOnly(batch)) {
            return null;
        }
        CompletionBatch b = new CompletionBatch(batch.toArray(new Runnable[batch.size()]));
        synchronized (lock) {
            if (stopped) {
                return null;
            }
            open.add(b);  // first: if it fails, nothing was registered
            b.register();
        }
        return b;
    }

    /**
     * Runs an adopted batch on the caller's thread (one at a time). Should a completion block, the watchdog gives
     * what is left of the batch to the completer's threads, as it does with a thread of its own.
     */
    void runHere(CompletionBatch b) {
        here = b;
        hereThread = Thread.currentThread();
        try {
            runClaimed(b);
        } finally {
            hereThread = null;
            here = null;
        }
    }

    /** How many completer threads run now (one unless callbacks blocked them). */
    int threads() {
        synchronized (lock) {
            return runners.size();
        }
    }

    // ============================================================================================ the threads

    private void addRunner() {  // under lock
        Runner r = new Runner(this, name, started++);
        r.start();  // first: a thread that could not start is not counted
        runners.add(r);
    }

    void loop(Runner self) {
        if (self.batch != null) {  // what it ran when an error (out of memory) stopped it
            runClaimed(self.batch);
            self.batch = null;
        }
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
                    if (runners.size() > 1 || stopped) {  // an extra thread, idle: it leaves
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
            runClaimed(b);
            self.batch = null;
        }
    }

    /** Runs the items of {@code b} that this thread claims, until none is left (other threads may claim some). */
    private void runClaimed(CompletionBatch b) {
        int i;
        while ((i = b.claim()) < b.items.length) {
            runItem(b, b.items[i]);
        }
    }

    private void runItem(CompletionBatch b, Runnable r) {
        if (r instanceof Delivery s) {
            deliver(s);
            return;
        }
        if (b.barrier) {
            while (!aheadDone(b)) {  // rare (shutdownNow, termination): poll
                LockSupport.parkNanos(1_000_000L);
            }
        }
        run(r);
        finished(b);
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

    /** Whether barrier {@code b} may run; false when the look (an iterator) runs out of memory: b is claimed. */
    private boolean aheadDone(CompletionBatch b) {
        try {
            return open.peekFirst() == b || b.settledAhead(open);
        } catch (OutOfMemoryError full) {
            return false;  // thrown, it would leave b claimed and never run: every later barrier would wait on it
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
            io.procpool.runtime.process.Logs.error(LOG, "completing a task future failed", e);
        }
    }

    /** Runs what is queued (nothing is once stopped: no list needed, no memory), then stops the other threads. */
    private void stopRunning() {
        synchronized (lock) {
            stopped = true;
            runners.clear();
        }
        watchdog.interrupt();
        CompletionBatch b;
        while ((b = queue.pollFirst()) != null) {
            if (b != STOP) {
                runClaimed(b);
            }
        }
        try {
            queue.add(STOP);  // the other threads leave too
        } catch (OutOfMemoryError noNode) {
            // they leave once idle (loop)
        }
    }

    /** Adds a thread when work waits and no completion has finished for STALL_NANOS (user code blocks them). */
    private void watch() {
        long seen = -1;
        CompletionBatch seenHere = null;
        while (true) {
            try {
                TimeUnit.NANOSECONDS.sleep(STALL_NANOS);
            } catch (InterruptedException e) {
                return;
            }
            long now = progress.get();
            boolean stalled = now == seen;
            seen = now;
            CompletionBatch h = here;
            boolean hereStuck = h != null && h == seenHere;  // the I/O thread's batch: other completions go on
            seenHere = h;
            if (!stalled && !hereStuck) {
                continue;
            }
            try {
                synchronized (lock) {
                    if (stopped) {
                        return;
                    }
                    boolean waiting = !queue.isEmpty();
                    for (Runner r : runners) {
                        waiting |= stalled && requeue(r.batch);
                    }
                    waiting |= requeue(h);
                    if (waiting && idle.get() == 0 && runners.size() < MAX_THREADS) {
                        // waiting: user code blocks it (warn, once); running: a slow callback, or a busy machine
                        boolean waitsInUserCode = false;
                        for (Runner r : runners) {
                            waitsInUserCode |= r.batch != null && r.getState() != Thread.State.RUNNABLE;
                        }
                        if (waitsInUserCode && !warned) {
                            warned = true;
                            LOG.warn("{} - a callback of a task future has blocked the pool's completion thread for"
                                    + " over {} ms; adding a completion thread (run slow callbacks with"
                                    + " thenApplyAsync(fn, executor) and the like)", name,
                                    TimeUnit.NANOSECONDS.toMillis(STALL_NANOS));
                        } else {
                            LOG.debug("{} - no completion finished for {} ms while work waits; adding a completion"
                                    + " thread", name, TimeUnit.NANOSECONDS.toMillis(STALL_NANOS));
                        }
                        addRunner();
                    }
                }
            } catch (RuntimeException | OutOfMemoryError noMemory) {
                // out of memory (a node, a thread, a log line): the watchdog lives on, its next look tries again
            }
        }
    }

    /** Under lock: what is left of a blocked thread's batch goes on without it. */
    private boolean requeue(CompletionBatch b) {
        if (b != null && b.next < b.items.length && !queue.contains(b)) {
            queue.addFirst(b);
            return true;
        }
        return false;
    }
}
