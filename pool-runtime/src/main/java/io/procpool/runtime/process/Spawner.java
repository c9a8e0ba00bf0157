package io.procpool.runtime.process;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.procpool.ExitStatus;
import io.procpool.Signal;
import org.slf4j.Logger;

/**
 * Starts child processes with {@code posix_spawnp} (never a fork of the JVM) and serves all of them from one
 * I/O thread: their messages, their relayed output, and their exits.
 *
 * <p>Reaping is event driven: each child has a pidfd in the I/O thread's epoll set; when it becomes readable the
 * child is reaped with {@code waitpid(pid)} at once. Only our own pids are waited for, never {@code waitpid(-1)},
 * so the host application's {@code ProcessBuilder} children keep their exit codes. Every reaped child counts once
 * in {@link #reapedCount()}.
 *
 * <pre>{@code
 * try (Spawner spawner = Spawner.create("demo")) {
 *     ChildProcess cat = spawner.spawn(ProcessSpec.builder("cat").stdin(Redirect.PIPE).stdout(Redirect.PIPE).build());
 *     cat.write("hello\n".getBytes());
 *     ...
 * }   // every child still running is killed with its process group and reaped
 * }</pre>
 */
public final class Spawner implements AutoCloseable {

    private static final Logger LOG = Logs.logger(Spawner.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String name;
    private final EventLoop loop;
    private final Set<ChildProcess> children = ConcurrentHashMap.newKeySet();
    private final AtomicLong spawned = new AtomicLong();
    private final AtomicLong reaped = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition exits = lock.newCondition();
    private final Map<ChildProcess, ExitStatus> unwaited = new LinkedHashMap<>();
    private volatile boolean closed;
    // spawns hold the read side from their check to the hand-off to the I/O thread; close takes the write side
    private final java.util.concurrent.locks.ReentrantReadWriteLock lifecycle =
            new java.util.concurrent.locks.ReentrantReadWriteLock();

    private Spawner(String name) {
        this.name = name;
        this.loop = new EventLoop("procpool-io-" + name);
    }

    /** A spawner with its own I/O thread, named {@code procpool-io-<name>}. */
    public static Spawner create(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return new Spawner(name);
    }

    /** A spawner with a generated name. */
    public static Spawner create() {
        return create("spawner-" + SEQUENCE.incrementAndGet());
    }

    public String name() {
        return name;
    }

    /**
     * Starts a child.
     *
     * @throws io.procpool.SpawnException when it cannot be started (the message names the program and the errno)
     * @throws IllegalStateException      after {@link #close()}
     */
    public ChildProcess spawn(ProcessSpec spec) {
        return spawn(spec, null);
    }

    /**
     * Starts a child, like {@link #spawn(ProcessSpec)}, and runs {@code first} with it on the I/O thread before any
     * of its events (messages, output, exit) is handled: a caller that spawns on another thread, so that the I/O
     * thread never waits for {@code posix_spawnp}, but keeps its state on the I/O thread, takes the child there.
     *
     * @throws io.procpool.SpawnException when it cannot be started (the message names the program and the errno)
     * @throws IllegalStateException      after {@link #close()}
     */
    public ChildProcess spawn(ProcessSpec spec, java.util.function.Consumer<ChildProcess> first) {
        Objects.requireNonNull(spec, "spec");
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("spawner " + name + " is closed");
            }
            SpawnCall.Started started = SpawnCall.start(spec);
            ChildProcess child = new ChildProcess(this, loop, spec, started);
            children.add(child);
            spawned.incrementAndGet();
            if (first == null) {
                loop.execute(child::startIo);
            } else {
                loop.execute(() -> {
                    try {
                        first.accept(child);
                    } finally {
                        child.startIo();
                    }
                });
            }
            LOG.debug("{} started: {}", child, spec.command());
            return child;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * The seed's {@code wait}: the status of one child of this spawner that has exited and not been waited for
     * yet (oldest first). With {@code blocking}, waits while some child still runs; empty when none is left.
     */
    public Optional<ExitStatus> waitAny(boolean blocking) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (true) {
                Iterator<Map.Entry<ChildProcess, ExitStatus>> it = unwaited.entrySet().iterator();
                if (it.hasNext()) {
                    ExitStatus st = it.next().getValue();
                    it.remove();
                    return Optional.of(st);
                }
                if (!blocking || liveCount() == 0) {
                    return Optional.empty();
                }
                exits.await(100, TimeUnit.MILLISECONDS);  // re-counts live children: one may be closed meanwhile
            }
        } finally {
            lock.unlock();
        }
    }

    /** Like {@code waitAny(true)}, but gives up after {@code timeout}. */
    public Optional<ExitStatus> waitAny(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (true) {
                Iterator<Map.Entry<ChildProcess, ExitStatus>> it = unwaited.entrySet().iterator();
                if (it.hasNext()) {
                    ExitStatus st = it.next().getValue();
                    it.remove();
                    return Optional.of(st);
                }
                if (liveCount() == 0 || nanos <= 0) {
                    return Optional.empty();
                }
                nanos = exits.awaitNanos(Math.min(nanos, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code task} on the I/O thread that serves this spawner's children, after the events at hand: code that
     * reacts to messages and exits (a pool's dispatcher) runs there without locks. It must not block.
     */
    public void execute(Runnable task) {
        loop.execute(task);
    }

    /**
     * Runs {@code task} on the I/O thread once {@code delay} has passed (as {@link #execute}: it must not block).
     * The timers live on the I/O thread itself: its next deadline bounds its wait for events. Dropped at {@link #close()}.
     */
    public Timeout schedule(Duration delay, Runnable task) {
        return loop.schedule(nanos(delay), 0, Objects.requireNonNull(task, "task"));
    }

    /** Like {@link #schedule}, in nanoseconds. */
    public Timeout schedule(long delayNanos, Runnable task) {
        return loop.schedule(delayNanos, 0, Objects.requireNonNull(task, "task"));
    }

    /** Runs {@code task} on the I/O thread every {@code period}, the first time after one period (fixed delay). */
    public Timeout scheduleEvery(Duration period, Runnable task) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be above 0; was " + period);
        }
        return loop.schedule(nanos(period), nanos(period), Objects.requireNonNull(task, "task"));
    }

    /** {@code d} in nanoseconds, Long.MAX_VALUE for one too long to say so ("never", as a ScheduledExecutorService takes it). */
    private static long nanos(Duration d) {
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
    }

    /** True on this spawner's I/O thread (but not in code it {@link #callOut calls out} to). */
    public boolean inIoThread() {
        return loop.inLoop();
    }

    /**
     * For a task run by {@link #execute}, on the I/O thread, as its last step: runs {@code code}, which is not the
     * loop's and may block (a pool's future callbacks). Should it run for over ~10 ms, or {@link #handOver} say that
     * it waits for this spawner, another thread takes the I/O loop over and this one leaves it when the code returns.
     *
     * @return false when that happened
     */
    public boolean callOut(Runnable code) {
        return loop.callOut(code);
    }

    /** Before code that runs on the I/O thread in a {@link #callOut} waits for this spawner: another thread takes the loop. */
    public void handOver() {
        loop.handOver();
    }

    /**
     * How many {@link #callOut call-outs} still run on threads the I/O loop was taken from (their code blocks). Call
     * out again only when none does: what the loop handed a stranded call-out is still in use, and each call-out
     * that blocks would strand one more thread.
     */
    public int strandedCallOuts() {
        return loop.strandedCallOuts();
    }

    /** How many children this spawner has reaped since it was created. */
    public long reapedCount() {
        return reaped.get();
    }

    /** How many children this spawner has started. */
    public long spawnedCount() {
        return spawned.get();
    }

    /** How many children have been started and not yet reaped. */
    public int liveCount() {
        return (int) (spawned.get() - reaped.get());
    }

    /** The children not yet closed. */
    public List<ChildProcess> children() {
        return List.copyOf(children);
    }

    // called by ChildProcess on the I/O thread
    void reaped(ChildProcess child, ExitStatus status) {
        lock.lock();
        try {
            reaped.incrementAndGet();
            unwaited.put(child, status);
            exits.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void waited(ChildProcess child) {
        lock.lock();
        try {
            unwaited.remove(child);
        } finally {
            lock.unlock();
        }
    }

    void closed(ChildProcess child) {
        children.remove(child);
        waited(child);
    }

    /**
     * Kills every child that still runs (SIGKILL to its process group), waits until all are reaped, releases
     * their descriptors and stops the I/O thread. Idempotent.
     */
    @Override
    public void close() {
        if (loop.inLoop()) {
            // closing waits for the I/O thread to reap: it cannot be the I/O thread itself
            java.util.concurrent.CompletableFuture.runAsync(this::close);
            return;
        }
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
        for (ChildProcess c : children) {
            c.killGroup(Signal.SIGKILL);
            c.kill(Signal.SIGKILL);
        }
        for (ChildProcess c : List.copyOf(children)) {
            c.close();
        }
        loop.close();
        LOG.debug("spawner {} closed: {} started, {} reaped", name, spawned.get(), reaped.get());
    }
}
