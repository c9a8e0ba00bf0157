package io.procpool.runtime.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.procpool.runtime.process.Spawner;

/**
 * How the I/O thread's completions reach the futures: collected over a turn of the loop, then run on the I/O thread
 * itself while they are quick (no hand-off, no thread to wake), else handed to the {@link Completer}'s threads.
 * They run there as a {@link Spawner#callOut call-out}: one that blocks gets the loop taken over by a fresh thread
 * within ~20 ms, and the rest of its batch goes to the completer's threads. After two batches in a row that took
 * over {@link #SLOW_NANOS} (one alone is as likely the thread losing its core on a busy machine, or a GC pause), or
 * one that was taken over, completions go to the completer's threads for {@link #OFF_NANOS} (taken
 * over: {@link #OFF_AFTER_TAKE_OVER_NANOS}); so do they while a taken-over batch still runs on the thread the loop was
 * taken from ({@link Spawner#strandedCallOuts}), and a batch that holds a barrier always does.
 * {@code -Dprocpool.inlineCompletions=false} hands every batch over. A hand-off that runs out of memory takes nothing
 * and is tried again, {@link #RETRY_NANOS} later or at the next completion: no future is left pending by it.
 */
final class Completions {

    static final String PROPERTY = "procpool.inlineCompletions";
    static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long OFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long OFF_AFTER_TAKE_OVER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A hand-off that failed (an OutOfMemoryError: nothing was taken) is tried again after this long. */
    static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Spawner spawner;
    private final Completer completer;
    private final boolean inline = !"false".equals(System.getProperty(PROPERTY));
    private final ArrayList<Runnable> pending = new ArrayList<>(256);  // I/O thread only
    private final Runnable handOff = this::handOff;  // one object, not one per hand-off
    /** A timer's task may not call out ({@link Spawner#callOut}): the retry queues the hand-off as a task. */
    private final Runnable retryTask = this::queueHandOff;
    private boolean retrying;  // a hand-off failed: the next add hands off too, whatever is pending; I/O thread
    private CompletionBatch next;  // the batch runHere takes; I/O thread only
    private int slowInARow;  // batches that took over SLOW_NANOS in a row; I/O thread only
    private final Runnable runNext = this::runNext;
    /**
     * Until when batches go to the completer's threads (nanoTime). Volatile: a thread whose call-out was taken over
     * writes it once more, after the new loop thread may have read it.
     */
    private volatile long offUntil = System.nanoTime();

    Completions(Spawner spawner, Completer completer) {
        this.spawner = spawner;
        this.completer = completer;
    }

    /**
     * I/O thread: makes room for one more completion, so that the {@link #add} that follows cannot fail for want of
     * memory: a caller that must not fail halfway (a reply, once its job left the books) reserves first.
     */
    void reserve() {
        pending.ensureCapacity(pending.size() + 1);
    }

    /** I/O thread: queues a completion; one hand-off per turn of the loop. A plain runnable is a barrier. */
    void add(Runnable r) {
        pending.add(r);  // the one step that may throw (no room to grow): then nothing was added
        if (pending.size() == 1 || retrying) {
            try {
                spawner.execute(handOff);
                retrying = false;
            } catch (OutOfMemoryError noTask) {  // r is queued: never thrown at the caller, who would add it again
                retry();
            }
        }
    }

    /**
     * I/O thread: hands what is queued to the completer's threads now. Never throws: a hand-off that fails keeps
     * what is queued and is tried again ({@link #retry}).
     */
    void flush() {
        completer.runLeft(handOver());  // not a call-out (the caller goes on): what was not queued runs here
    }

    /** Hands what is queued; returns the parts taken but not queued (no memory), for this thread to run, or null. */
    private CompletionBatch handOver() {
        try {
            if (!pending.isEmpty()) {
                CompletionBatch left = completer.handLeaving(pending);  // copies what it keeps: the list is reused
                pending.clear();
                return left;
            }
        } catch (OutOfMemoryError noBatch) {  // nothing was taken (Completer.hand is failure-atomic)
            retry();
        }
        return null;
    }

    /** Tries the hand-off again soon, or (no memory for a timer either) at the next completion queued. */
    private void retry() {
        retrying = true;
        try {
            spawner.schedule(RETRY_NANOS, retryTask);
        } catch (OutOfMemoryError noTimer) {
            // retrying stays set: the next add hands off
        }
    }

    private void queueHandOff() {
        spawner.execute(handOff);
    }

    private void runNext() {
        CompletionBatch b = next;
        next = null;
        completer.runHere(b);
    }

    /** The I/O thread's task, its last step: nothing of the loop's follows the call-out. */
    private void handOff() {
        long start = System.nanoTime();
        // not while a blocked batch still runs on a thread the loop was taken from: that batch is the completer's
        // `here` (its watchdog must see it to hand its rest on; a nested get() may wait for that rest), and `next`
        // may not even have been read by that thread yet; so at most one I/O thread is ever stranded
        CompletionBatch b;
        try {
            b = inline && start - offUntil >= 0 && spawner.strandedCallOuts() == 0 && !pending.isEmpty()
                    ? completer.adopt(pending) : null;
        } catch (OutOfMemoryError noBatch) {  // nothing was adopted: try the completer's threads
            b = null;
        }
        if (b == null) {
            CompletionBatch left = handOver();
            // they may block (a barrier, user code): in a call-out, so the loop goes on; out of memory only, and
            // it holds no state of this class: the one case where a second I/O thread may be stranded
            if (left != null) {
                Runnable run;
                try {
                    run = () -> completer.runLeft(left);
                } catch (OutOfMemoryError noTask) {
                    completer.runLeft(left);
                    return;
                }
                spawner.callOut(run);
            }
            return;
        }
        pending.clear();
        next = b;
        boolean kept = spawner.callOut(runNext);
        if (!kept) {
            offUntil = System.nanoTime() + OFF_AFTER_TAKE_OVER_NANOS;
            return;  // this thread left the loop: nothing else of it here
        }
        slowInARow = System.nanoTime() - start > SLOW_NANOS ? slowInARow + 1 : 0;
        if (slowInARow == 2) {
            slowInARow = 0;
            offUntil = System.nanoTime() + OFF_NANOS;
        }
    }
}
