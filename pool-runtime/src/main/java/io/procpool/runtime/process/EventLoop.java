package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import jnr.ffi.Pointer;
import org.slf4j.Logger;

/**
 * One thread, one epoll set: serves every descriptor of every child of a {@link Spawner} (message channels,
 * relayed output, pidfds), and runs its timers ({@link Timers}: the next deadline is {@code epoll_wait}'s timeout).
 * Handlers run on this thread only and must not block. Other threads hand work to it with {@link #execute};
 * registration state and timers are confined to the loop thread, so they need no locks.
 */
final class EventLoop implements AutoCloseable {

    /** Called on the loop thread with the epoll event bits of a ready descriptor. */
    interface Handler {
        void onEvents(int events);
    }

    /**
     * A source that no descriptor reports (a shared-memory ring): polled once per turn of the loop, and armed
     * before the loop blocks, so that its writer rings a descriptor the loop watches.
     */
    interface Poller {
        /** Takes what came. */
        void poll();

        /** The loop may block: asks for a doorbell; true when something came meanwhile (the loop must not block). */
        boolean arm();

        /** The loop is awake again. */
        void disarm();
    }

    private static final Logger LOG = Logs.logger(EventLoop.class);
    private static final int MAX_EVENTS = 256;

    private final int epfd;
    private final int wakeFd;
    private final Pointer events = Native.allocate(MAX_EVENTS * Native.EPOLL_EVENT_SIZE);
    private final Pointer ctlEvent = Native.allocate(16);
    private final Pointer wakeBuf = Native.allocate(8);
    private final TaskQueue tasks;
    private final Timers timers = new Timers();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);
    private final LoopThreads threads;
    private volatile boolean running = true;
    private volatile boolean stopped;  // set under this monitor; then no task is queued and the fds close
    /**
     * The loop may block in {@code epoll_wait}: set before its last look at the task queue, cleared when it returns.
     * Both sides write, then read the other's (volatile) state: either the loop sees a new task, or its adder sees
     * this flag and writes the eventfd.
     */
    private volatile boolean blocking;
    private volatile long wakeups;
    private long wakeWrites;  // under this monitor

    // loop-confined: token -> handler; token 0 is the wake-up eventfd
    private Handler[] handlers = new Handler[64];
    private int[] freeTokens = new int[64];
    private int freeCount;
    private int nextToken = 1;
    private Poller[] pollers = new Poller[0];

    EventLoop(String name) {
        this(name, new TaskQueue());
    }

    /** Tests: over {@code tasks} (one whose queue fails as a full heap fails it). */
    EventLoop(String name, TaskQueue tasks) {
        this.tasks = tasks;
        epfd = C.epoll_create1(Native.EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw new IllegalStateException("epoll_create1 failed: " + Native.strerror(Native.errno()));
        }
        wakeFd = C.eventfd(0, Native.EFD_CLOEXEC | Native.EFD_NONBLOCK);
        if (wakeFd < 0) {
            int e = Native.errno();
            C.close(epfd);
            throw new IllegalStateException("eventfd failed: " + Native.strerror(e));
        }
        // edge-triggered: each write is reported once and the counter is never read (a system call less per wake-up;
        // it would take 2^64 - 1 writes to fill)
        ctl(Native.EPOLL_CTL_ADD, wakeFd, Native.EPOLLIN | Native.EPOLLET, 0);
        threads = new LoopThreads(name, this::run);
        threads.start();
    }

    /** Whether the caller runs the loop now (its thread, and not in a {@link #callOut}). */
    boolean inLoop() {
        return threads.inLoop();
    }

    /**
     * Loop thread, from a task ({@link #execute}) after which nothing of the loop's follows: runs code that may block
     * (see {@link LoopThreads}); false when another thread took the loop over meanwhile.
     */
    boolean callOut(Runnable code) {
        return threads.callOut(code);
    }

    /** About to wait for the loop: a call-out on the loop's thread hands the loop to another thread first. */
    void handOver() {
        threads.handOver();
    }

    /** How many call-outs still run on threads the loop was taken from ({@link LoopThreads#stranded}). */
    int strandedCallOuts() {
        return threads.stranded();
    }

    /** Tests: how many times another thread took the loop over from a call-out. */
    long takeOvers() {
        return threads.takeOvers();
    }

    /** Runs the task on the loop thread, soon; from the loop thread itself it runs after the current batch. */
    void execute(Runnable task) {
        if (inLoop()) {
            tasks.add(task);
            return;
        }
        synchronized (this) {
            if (stopped) {
                // the loop is gone: nothing it served is registered any more, so run it here
                task.run();
                return;
            }
            tasks.add(task);
            // the loop runs its tasks before it blocks again: only a loop that is (about to be) blocked needs the
            // eventfd; a submitter at full speed then wakes it once per batch, not once per drained wake-up
            if (blocking && wakePending.compareAndSet(false, true)) {
                wakeWrites++;
                wakeBuf.putLong(0, 1L);
                C.write(wakeFd, wakeBuf.address(), 8);
            }
        }
    }

    /**
     * Runs the task on the loop thread once {@code delayNanos} have passed, and then every {@code periodNanos} after
     * each run ends when that is above 0. The next deadline bounds the loop's {@code epoll_wait}: no timer thread.
     */
    Timeout schedule(long delayNanos, long periodNanos, Runnable task) {
        // at most ~146 years: deadlines compared by their difference stay in order, and nanoTime + delay never wraps
        long delay = Math.min(Math.max(0, delayNanos), Timers.MAX_DELAY_NANOS);
        long period = Math.min(periodNanos, Timers.MAX_DELAY_NANOS);
        Timers.Entry e = new Timers.Entry(this, task, System.nanoTime() + delay, period);
        if (inLoop()) {
            timers.add(e);
        } else {
            execute(() -> timers.add(e));
        }
        return e;
    }

    /** Loop thread: the timers. */
    Timers timers() {
        return timers;
    }

    /** Runs the task on the loop thread and waits for it (runs it at once when already on the loop thread). */
    void executeAndWait(Runnable task) {
        if (inLoop() || stopped) {
            task.run();
            return;
        }
        handOver();
        CountDownLatch done = new CountDownLatch(1);
        execute(() -> {
            try {
                task.run();
            } finally {
                done.countDown();
            }
        });
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- loop thread only ----

    int register(int fd, int interest, Handler handler) {
        int token = freeCount > 0 ? freeTokens[--freeCount] : nextToken++;
        if (token >= handlers.length) {
            handlers = Arrays.copyOf(handlers, handlers.length * 2);
        }
        handlers[token] = handler;
        ctl(Native.EPOLL_CTL_ADD, fd, interest, token);
        return token;
    }

    void addPoller(Poller p) {
        pollers = Arrays.copyOf(pollers, pollers.length + 1);
        pollers[pollers.length - 1] = p;
    }

    void removePoller(Poller p) {
        for (int i = 0; i < pollers.length; i++) {
            if (pollers[i] == p) {
                Poller[] fewer = new Poller[pollers.length - 1];
                System.arraycopy(pollers, 0, fewer, 0, i);
                System.arraycopy(pollers, i + 1, fewer, i, fewer.length - i);
                pollers = fewer;
                return;
            }
        }
    }

    void modify(int fd, int interest, int token) {
        ctl(Native.EPOLL_CTL_MOD, fd, interest, token);
    }

    /** Forgets the descriptor; call before closing it. */
    void deregister(int fd, int token) {
        if (stopped) {
            return;
        }
        C.epoll_ctl(epfd, Native.EPOLL_CTL_DEL, fd, ctlEvent);
        handlers[token] = null;
        if (freeCount == freeTokens.length) {
            freeTokens = Arrays.copyOf(freeTokens, freeTokens.length * 2);
        }
        freeTokens[freeCount++] = token;
    }

    private void ctl(int op, int fd, int interest, int token) {
        if (stopped) {
            return;
        }
        ctlEvent.putInt(0, interest);
        ctlEvent.putLong(Native.EPOLL_DATA_OFFSET, token);
        if (C.epoll_ctl(epfd, op, fd, ctlEvent) != 0) {
            throw new IllegalStateException("epoll_ctl(" + op + ", fd " + fd + ") failed: "
                    + Native.strerror(Native.errno()));
        }
    }

    private void run() {
        try {
            turns();
        } finally {
            if (threads.leads()) {  // else another thread took the loop over: it stops it
                synchronized (this) {
                    stopped = true;
                }
                threads.close();
                runTasks();
                C.close(wakeFd);
                C.close(epfd);
                stoppedLatch.countDown();
            }
        }
    }

    /** Turns of the loop until it stops, or another thread takes it over. */
    private void turns() {
        while (running) {
            try {
                if (!turn()) {
                    return;
                }
            } catch (Throwable t) {  // an OutOfMemoryError between the guards: the loop outlives it, as its pools must
                Logs.error(LOG, "process I/O loop failed; it goes on", t);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);  // no hot spin while memory is short
            }
        }
    }

    /** One turn of the loop; false when another thread took the loop over (this one leaves it). */
    private boolean turn() {
        if (!runTasks()) {
            return false;
        }
        timers.runDue(System.nanoTime());
        if (!running) {
            return true;
        }
        int timeout = tasks.isEmpty() ? timers.waitMillis(System.nanoTime()) : 0;
        Poller[] polled = pollers;
        if (timeout != 0) {
            blocking = true;
            if (!tasks.isEmpty()) {
                timeout = 0;
            }
            for (Poller p : polled) {
                if (p.arm()) {
                    timeout = 0;
                }
            }
        }
        int n = C.epoll_wait(epfd, events, MAX_EVENTS, timeout);
        blocking = false;
        for (Poller p : polled) {
            p.disarm();
        }
        if (n < 0) {
            int e = Native.errno();
            if (e != Native.EINTR) {
                LOG.error("epoll_wait failed, the process I/O thread stops: {}", Native.strerror(e));
                running = false;
            }
            return true;  // EINTR: the next turn
        }
        wakeups++;
        for (int i = 0; i < n; i++) {
            long base = (long) i * Native.EPOLL_EVENT_SIZE;
            int ev = events.getInt(base);
            int token = (int) events.getLong(base + Native.EPOLL_DATA_OFFSET);
            if (token == 0) {
                wakePending.set(false);  // a write after this is a new edge: reported again
                continue;
            }
            Handler h = token < handlers.length ? handlers[token] : null;
            if (h != null) {
                try {
                    h.onEvents(ev);
                } catch (RuntimeException | Error t) {
                    Logs.error(LOG, "process I/O handler failed; it goes on with the next event", t);
                }
            }
        }
        poll();
        return true;
    }

    private void poll() {
        for (Poller p : pollers) {
            try {
                p.poll();
            } catch (RuntimeException | Error t) {
                Logs.error(LOG, "process I/O poller failed; the loop goes on", t);
            }
        }
    }

    /** Runs the queued tasks; false when one called out and another thread took the loop over meanwhile. */
    private boolean runTasks() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException | Error t) {
                Logs.error(LOG, "process I/O task failed; the loop goes on", t);
            }
            if (!threads.leads()) {
                return false;
            }
        }
        return true;
    }

    /** Loop thread or tests: how many times epoll_wait returned with events (a busy loop shows here). */
    long wakeups() {
        return wakeups;
    }

    /** Tests: whether the loop may be blocked in epoll_wait now. */
    boolean blocked() {
        return blocking;
    }

    /** Tests: how many times another thread wrote the wake-up eventfd. */
    synchronized long wakeWrites() {
        return wakeWrites;
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        execute(() -> running = false);
        if (!inLoop()) {
            handOver();  // from a call-out on the loop's thread: another thread stops it now, not at the watchdog's look
            try {
                stoppedLatch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
