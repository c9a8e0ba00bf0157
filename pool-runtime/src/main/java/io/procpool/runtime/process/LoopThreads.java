package io.procpool.runtime.process;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;

/**
 * The threads of an {@link EventLoop}: one leads (runs the loop) at a time. The leader may call out to code that is
 * not the loop's ({@link #callOut}: a pool's future callbacks, which are quick nearly always); when one call-out has
 * run for a whole {@link #TICK_NANOS tick} of the watchdog, or says it will wait for the loop ({@link #handOver}), a
 * fresh thread takes over the loop, and the old one leaves it when its call-out returns, touching none of the loop's
 * state again. So code that blocks stalls the loop for two ticks at most, never for good.
 *
 * <p>The hand-over: {@code state} counts call-outs, odd while one runs. Its end and a take-over both move it on
 * from the odd value it had (compare-and-set: one wins). The taker moves it two on (still odd: the old thread is
 * not the loop), names the new leader and starts it (it waits for an even state before it leads), then one more
 * (even: the new leader's loop); the old thread, having lost, waits for that last step, after which {@link #leads}
 * is false for it. Should no thread start (a JVM out of threads), the taker names the old leader again and moves
 * the state back to the odd value: the call-out keeps the loop, its end wins the compare-and-set, and the loop never
 * lacks a leader. What the old leader wrote
 * before its call-out is visible to the new one (the volatile {@code state}, then {@link Thread#start}).
 */
final class LoopThreads {

    private static final Logger LOG = Logs.logger(EventLoop.class);
    /** How often the watchdog looks: a call-out seen running at two looks in a row is taken over. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Ticks without a call-out before the watchdog sleeps until the next one. */
    private static final int IDLE_TICKS = 100;
    /** The loop threads' stack: a pool's call-outs decode results (object graphs as deep as the codec lets through). */
    static final long STACK = 8L << 20;

    private final String name;
    private final Runnable body;
    private final AtomicLong state = new AtomicLong();
    private volatile Thread leader;
    private volatile boolean watchdogAsleep = true;  // none yet: the first call-out starts it
    private volatile boolean closed;
    private Thread watchdog;  // under this
    private int generation = 1;  // under this
    private boolean warned;  // under this
    private volatile long takeOvers;
    /** Call-outs still running on threads that lost the loop (counted before the new leader starts). */
    private final AtomicInteger stranded = new AtomicInteger();
    /** Starts a loop thread; tests make it fail as a JVM out of threads does. */
    volatile java.util.function.Consumer<Thread> starter = Thread::start;
    /** Starts the watchdog; tests make it fail as well. */
    volatile java.util.function.Consumer<Thread> watchdogStarter = Thread::start;
    private boolean startFailed;  // under this

    LoopThreads(String name, Runnable body) {
        this.name = name;
        this.body = body;
        this.leader = thread(name);
    }

    void start() {
        leader.start();
    }

    private Thread thread(String threadName) {
        Thread t = new Thread(null, this::lead, threadName, STACK);
        t.setDaemon(true);
        return t;
    }

    /** A loop thread's body: a taker's thread waits until it is named leader (the state even) before it leads. */
    private void lead() {
        while ((state.get() & 1) == 1) {
            Thread.yield();  // the taker, which may hold a core we need, sets it right after the start
        }
        if (leads()) {
            body.run();
        }
    }

    /** Whether the caller runs the loop now: its leader, and not in a call-out. */
    boolean inLoop() {
        long s = state.get();  // first: see the class comment
        return (s & 1) == 0 && Thread.currentThread() == leader;
    }

    /** Loop thread: whether it still leads (false once another thread took the loop over from it). */
    boolean leads() {
        return Thread.currentThread() == leader;
    }

    /**
     * Loop thread: runs {@code code}, which may block; false when another thread took the loop over meanwhile: the
     * caller must then leave the loop at once. Only where nothing of the loop's follows before the next turn.
     */
    boolean callOut(Runnable code) {
        if (!inLoop()) {  // a stopped loop runs its tasks on their callers; a call-out in a call-out: nothing to take
            code.run();
            return true;
        }
        long s = state.incrementAndGet();
        if (watchdogAsleep) {
            try {
                wakeWatchdog();
            } catch (RuntimeException | Error noThread) {  // OutOfMemoryError: unable to create native thread
                // the code runs all the same (a pool's completions), though no one can take it over; the next tries
            }
        }
        boolean kept = false;
        try {
            code.run();
        } finally {
            while (!(kept = state.compareAndSet(s, s + 1))) {
                long now;
                while ((now = state.get()) == s + 2) {  // the taker starts the new leader: a thread start
                    Thread.yield();  // (rare: a take-over as the call-out ends) not a spin: 2 cores, 3 threads
                }
                if (now != s) {  // taken over; else its thread did not start and the loop is still this one's
                    stranded.decrementAndGet();
                    break;
                }
            }
        }
        return kept;
    }

    /**
     * About to wait for the loop: when the caller is the loop's thread in a call-out, another thread takes the loop
     * over now (else the wait would last until the watchdog does it).
     */
    void handOver() {
        long s = state.get();
        if ((s & 1) == 1 && Thread.currentThread() == leader) {
            takeOver(s, "waits for the pool in a callback", false);
        }
    }

    /**
     * How many call-outs still run on threads that lost the loop to another (blocked code). While one does, the loop
     * should not call out again: its state for the stranded call-out (what it handed it) must stay as it is, and
     * each new call-out that blocks would strand one more thread.
     */
    int stranded() {
        return stranded.get();
    }

    /** How many times another thread took the loop over. */
    long takeOvers() {
        return takeOvers;
    }

    /** The loop stops: the watchdog leaves. */
    void close() {
        closed = true;
        synchronized (this) {
            if (watchdog != null) {
                LockSupport.unpark(watchdog);
            }
        }
    }

    private boolean takeOver(long s, String why, boolean stuck) {
        synchronized (this) {
            if (closed || !state.compareAndSet(s, s + 2)) {
                return false;  // it returned meanwhile
            }
            Thread old = leader;
            Thread t;
            stranded.incrementAndGet();  // before the old thread can see it lost, and before the new one runs
            try {
                t = thread(name + "-" + ++generation);
                leader = t;
                starter.accept(t);  // it waits for the even state below before it leads
            } catch (RuntimeException | Error noThread) {  // OutOfMemoryError: unable to create native thread
                leader = old;
                stranded.decrementAndGet();
                state.set(s);  // the call-out keeps the loop: its end (or the next look) goes on from here
                if (!startFailed) {
                    startFailed = true;
                    LOG.error("{} - no thread could take the I/O loop over from a blocked callback; the watchdog tries"
                            + " again at each look", name, noThread);
                }
                return false;
            }
            takeOvers++;
            state.set(s + 3);
            // waiting: user code blocks it (warn, once); running: a slow callback, a GC pause, or a busy machine
            if (stuck && !warned && old.getState() != Thread.State.RUNNABLE) {
                warned = true;
                LOG.warn("{} {}; {} takes the I/O loop over (run slow callbacks with thenApplyAsync(fn, executor)"
                        + " and the like)", old.getName(), why, t.getName());
            } else {
                LOG.debug("{} {}; {} takes the I/O loop over", old.getName(), why, t.getName());
            }
        }
        return true;
    }

    private void wakeWatchdog() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (watchdog == null) {
                Thread t = new Thread(this::watch, name + "-watch");
                t.setDaemon(true);
                watchdogStarter.accept(t);
                watchdog = t;  // once started: one that failed to is tried again
            }
            watchdogAsleep = false;
            LockSupport.unpark(watchdog);
        }
    }

    private void watch() {
        long seen = -1;
        int idle = 0;
        while (!closed) {
            LockSupport.parkNanos(this, TICK_NANOS);
            long s = state.get();
            if ((s & 1) == 1 && s == seen) {
                if (takeOver(s, "has run a callback of a task future for over "
                        + TimeUnit.NANOSECONDS.toMillis(TICK_NANOS) + " ms", true)) {
                    seen = -1;
                    continue;
                }
            }
            idle = s == seen ? idle + 1 : 0;
            seen = s;
            if (idle >= IDLE_TICKS) {
                watchdogAsleep = true;
                if (state.get() == seen && !closed) {  // else a call-out came meanwhile (it saw asleep, or not)
                    LockSupport.park(this);
                }
                watchdogAsleep = false;
                idle = 0;
            }
        }
    }
}
