package io.procpool.runtime.supervise;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolListener;
import io.procpool.SpawnException;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.Logs;
import io.procpool.runtime.process.ProcessSpec;
import io.procpool.runtime.process.Spawner;
import io.procpool.runtime.supervise.Supervised.Phase;
import io.procpool.runtime.wire.Protocol;
import org.slf4j.Logger;

/**
 * The supervision layer of one pool: starts its workers ({@link Launcher}), keeps the slot table ({@link Slots}),
 * handles each exit (a successor or a spare takes the slot, else a restart after the {@link RestartPolicy}'s
 * back-off; the {@link CrashLoopBreaker} fails the pool), keeps the warm spares, and kills workers that break the
 * protocol or close their channel and live on. Recycling and health are {@link Recycling}'s, pool size
 * {@link Resizing}'s. It tells the layer above through {@link Supervised} only. I/O thread, but for
 * {@link #startAll} and {@link #initializer}.
 *
 * @param <W> the concrete worker type
 */
public final class Supervisor<W extends WorkerProcess<W>> {

    private static final Logger LOG = Logs.logger(Supervisor.class);
    /** How long a worker may live on after its channel ended before it is killed: its exit is normally a moment away. */
    private static final long CHANNEL_END_GRACE_MILLIS = 1000;

    final Supervision cfg;
    final Supervised<W> pool;
    final PoolListener events;
    final Spawner spawner;
    private final Launcher launcher;
    final Slots<W> slots;
    /** Successors starting, retired workers draining, spares. */
    final List<W> aside;
    private final boolean[] slotReadyOnce;
    private final CountDownLatch started;
    private final byte[] head = new byte[Protocol.HEADER];
    /**
     * The launch thread: spawns (posix_spawnp) and reads workers' resident memory, so that the I/O thread never
     * waits on either; it ends when idle for 10 s, and at {@link #close}. (So no worker may ever be spawned with
     * {@code PR_SET_PDEATHSIG}, which follows the spawning thread: channel EOF is the manager-death signal.)
     */
    private final ThreadPoolExecutor background;
    private volatile byte[] initBody;
    final AtomicLong restartCount = new AtomicLong();
    final Restarts<W> restarts;
    final AtomicLong recycled = new AtomicLong();
    final Recycling<W> recycling;
    final Resizing<W> resizing;

    private final WorkerHandler<W> handler = new WorkerHandler<>() {
        @Override
        public void onMessage(W w, ByteBuffer message) {
            pool.message(w, message);
        }

        @Override
        public void onLine(W w, String line) {
            pool.line(w, line);
        }

        @Override
        public void onOversize(W w, long size) {
            protocolError(w, "a frame of length " + size + ", over maxMessageSize "
                    + (launcher.maxMessageSize() - Protocol.HEADER) + " (+ " + Protocol.HEADER
                    + " bytes of header)", "a header with length " + size);
        }

        @Override
        public void onChannelEnd(W w, String what) {
            channelEnded(w, what);
        }

        @Override
        public void onExit(W w, ExitStatus status) {
            restarts.onExit(w, status);
        }
    };

    public Supervisor(Supervision cfg, Launcher launcher, Spawner spawner, Supervised<W> pool, PoolListener events,
                      java.util.function.IntFunction<W[]> array) {
        this.cfg = cfg;
        this.launcher = launcher;
        this.spawner = spawner;
        this.pool = pool;
        this.events = events;
        this.slots = new Slots<>(cfg.maxWorkers(), array);
        this.aside = slots.aside();
        this.slotReadyOnce = new boolean[cfg.initialWorkers()];
        this.started = new CountDownLatch(cfg.initialWorkers());
        this.restarts = new Restarts<>(this);
        this.background = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "procpool-launch-" + cfg.name());
            t.setDaemon(true);
            return t;
        });
        this.recycling = new Recycling<>(this);
        this.resizing = new Resizing<>(this);
    }

    /**
     * JVM workers: the INIT frame's body (a serialized initializer task) that each worker gets first; its command must
     * say {@code -Dprocpool.init=true}. Before {@link #startAll}.
     */
    public void initializer(byte[] body) {
        this.initBody = body;
    }

    /** The slot table (dispatch passes over it; I/O thread). */
    public Slots<W> slots() {
        return slots;
    }

    public Recycling<W> recycling() {
        return recycling;
    }

    public Resizing<W> resizing() {
        return resizing;
    }

    public long restarts() {
        return restartCount.get();
    }

    public long recycled() {
        return recycled.get();
    }

    /**
     * Any thread: starts the first workers and waits until each slot said HELLO once, a worker failed to start
     * ({@link Supervised#startFailed}), or the timeout passed.
     *
     * @return whether the wait ended in time
     */
    public boolean startAll(Duration timeout) throws InterruptedException {
        for (int i = 0; i < cfg.initialWorkers(); i++) {
            int slot = i;
            spawner.execute(() -> startWorker(slot));
        }
        return started.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Any thread, once the pool runs: the spares, the health checks and the idle check start. */
    public void running() {
        for (int i = 0; i < cfg.spares(); i++) {
            restarts.startSpareLater(0);
        }
        recycling.startChecks();
        resizing.startChecks();
    }

    void startWorker(int slot) {
        spawnWorker(pool.newWorker(slot, cfg.name() + "-" + (slot + 1)), true);
    }

    /**
     * Spawns {@code w} into its slot (or, a successor or a spare, aside until it is ready). The slot is taken at once;
     * {@code posix_spawnp} runs on the launch thread (it takes 1-3 ms, tens at the tail, which the I/O thread must not
     * wait for), and {@link #launched} takes the process on the I/O thread before any of its events.
     */
    void spawnWorker(W w, boolean intoSlot) {
        if (cfg.maxTasksPerWorker() > 0) {
            w.taskLimit = Sizing.taskLimit(cfg.maxTasksPerWorker(), ThreadLocalRandom.current().nextDouble());
        }
        ProcessSpec spec;
        try {
            spec = launcher.spec(w, handler);
        } catch (RuntimeException | Error e) {  // a bad directory or environment
            notStarted(w, intoSlot, w.slot, whyNot(w, e));
            pool.changed();
            return;
        }
        w.launching = true;
        if (intoSlot) {
            slots.set(w.slot, w);
        } else {
            aside.add(w);
        }
        try {
            background.execute(() -> launch(w, spec));
        } catch (RejectedExecutionException e) {
            launchFailed(w, e);
        }
        pool.changed();
    }

    /** The launch thread: spawns {@code w}'s process; what follows runs on the I/O thread. */
    private void launch(W w, ProcessSpec spec) {
        try {
            w.spawnNanos = System.nanoTime();
            spawner.spawn(spec, child -> launched(w, child));
        } catch (RuntimeException | Error e) {  // ENOENT, EACCES, no thread left
            spawner.execute(() -> launchFailed(w, e));
        }
    }

    /** I/O thread, before any event of its process: {@code w} runs. */
    private void launched(W w, ChildProcess child) {
        w.child = child;
        w.launching = false;
        if (initBody != null) {  // the first frame it reads: its initializer runs before its HELLO
            Protocol.putHeader(head, 0, Protocol.INIT, 0);
            try {
                child.pushLater(head, Protocol.HEADER, initBody, true);
            } catch (RuntimeException gone) {
                // it died at once: its exit follows
            }
        }
        events.workerStarted(w.info());
        w.startupTimer = spawner.schedule(cfg.startupTimeout(), () -> startupOver(w));
        if (cfg.maxWorkerLifetime() != null) {
            long life = Sizing.lifetimeNanos(cfg.maxWorkerLifetime(), ThreadLocalRandom.current().nextDouble());
            spawner.schedule(life, () -> recycling.lifetimeOver(w));
        }
        pool.spawned(w);
        if (w.killPending) {
            w.kill(null, null);  // killed while it was being spawned (a shutdown, a scale-down)
        }
        pool.changed();
    }

    /** I/O thread: {@code w}'s process could not be spawned; its slot (if it still has one) restarts as after a death. */
    private void launchFailed(W w, Throwable e) {
        w.launching = false;
        boolean inSlot = slots.holds(w);
        if (inSlot) {
            slots.set(w.slot, null);
        } else {
            aside.remove(w);
        }
        if (w.killPending) {
            if (w.predecessor != null && w.predecessor.successor == w) {
                w.predecessor.successor = null;  // else its predecessor's exit would put this one into the slot
            }
            LOG.debug("{} - worker {} could not be started, and was not wanted any more: {}", cfg.name(), w, e.toString());
        } else {
            notStarted(w, inSlot, w.slot, whyNot(w, e));
        }
        pool.changed();
        pool.settled();
    }

    private String whyNot(W w, Throwable e) {
        return e instanceof SpawnException ? e.getMessage()
                : cfg.name() + " - worker " + w.id + " cannot be started: " + e.getMessage();
    }

    private void notStarted(W w, boolean intoSlot, int slot, String why) {
        if (w.spare) {
            LOG.warn("{} - could not start a warm spare: {}", cfg.name(), why);
            return;
        }
        if (w.cdsRecording != 0) {
            cfg.cds().recorded(w.cdsRecording);
        }
        if (!intoSlot) {
            if (w.predecessor != null) {
                w.predecessor.successor = null;  // the old worker keeps serving; it tries again later
            }
            LOG.warn("{} - could not start a successor for worker {}: {}", cfg.name(), w.predecessor, why);
            restarts.countEarlyDeath(why);
            return;
        }
        startFailed(why);
        if (pool.phase() != Phase.STARTING) {
            slots.lengthenStreak(slot);
            if (!restarts.countEarlyDeath(why)) {
                restarts.restartSlot(slot);
            }
        }
    }

    /** I/O thread: {@code w} said HELLO (line mode: it was spawned). */
    public void onHello(W w) {
        if (w.ready) {
            protocolError(w, "a second HELLO", "HELLO");
            return;
        }
        w.ready = true;
        w.startupTimer.cancel();  // not needed any more
        w.readyNanos = System.nanoTime();
        w.idleSinceNanos = w.readyNanos;
        events.workerReady(w.info(), Duration.ofNanos(w.readyNanos - w.spawnNanos));
        if (w.predecessor != null) {
            recycling.takeOver(w);
        }
        pool.changed();  // before build() returns: stats() right after it counts this worker
        if (pool.phase() == Phase.STARTING && w.slot >= 0 && !slotReadyOnce[w.slot]) {
            slotReadyOnce[w.slot] = true;
            started.countDown();
        }
        LOG.debug("{} - worker {} ready", cfg.name(), w);
    }

    /** I/O thread: {@code w} was spawned startupTimeout ago; if it has not said HELLO, it failed to start. */
    private void startupOver(W w) {
        if (!w.ready && w.exitReason == null && w.child.exitStatus().isEmpty()) {
            w.kill(null, "did not say HELLO within startupTimeout " + text(cfg.startupTimeout()));
        }
    }

    /**
     * I/O thread: {@code w}'s channel (line mode: its stdout) ended while it runs. Normally its exit follows at once;
     * one that lives on can never answer what it holds, so past a short grace it is killed: a protocol error, unless
     * it was ending anyway with nothing held.
     */
    private void channelEnded(W w, String what) {
        spawner.schedule(TimeUnit.MILLISECONDS.toNanos(CHANNEL_END_GRACE_MILLIS), () -> {
            if (w.child.exitStatus().isPresent() || w.exitReason == ExitReason.PROTOCOL_ERROR) {
                return;
            }
            String why = "it closed its " + what + " but did not exit within " + CHANNEL_END_GRACE_MILLIS + " ms";
            if (w.stopping && !w.holdsWork()) {
                w.kill(null, why);
            } else {
                protocolError(w, why, "end of stream");
            }
        });
    }

    /** I/O thread: {@code w} sent something the protocol does not allow: it is killed, and what it held fails. */
    public void protocolError(W w, String what, String received) {
        if (w.exitReason == ExitReason.PROTOCOL_ERROR) {
            return;  // more of the same before it died
        }
        LOG.warn("{} - worker {} broke the protocol: {} (received: {}); killing it", cfg.name(), w, what, received);
        w.received = received;
        w.kill(ExitReason.PROTOCOL_ERROR, "protocol error: " + what + " (received: " + received + ")");
    }

    /** A worker could not start: while the pool starts, build() fails with {@code why}. */
    void startFailed(String why) {
        if (pool.phase() == Phase.STARTING && !pool.failed()) {
            pool.startFailed(why);
            for (long i = started.getCount(); i > 0; i--) {
                started.countDown();
            }
        }
        LOG.warn(why);
    }

    // ================================================================================= the end

    /** I/O thread: tells every worker to finish (end of input; one not ready yet is killed). */
    public void finishAll() {
        for (W w : slots.all()) {
            if (w != null && !w.stopping) {
                w.stopping = true;
                if (w.exitReason == null) {
                    w.exitReason = ExitReason.SHUTDOWN;
                }
                if (w.ready) {
                    pool.endInput(w);  // end of stream: finish, then exit
                } else {
                    w.kill(null, null);
                }
            }
        }
    }

    /** I/O thread: kills every worker. */
    public void killAll() {
        for (W w : slots.all()) {
            if (w != null) {
                w.stopping = true;
                w.kill(w.exitReason == null ? ExitReason.SHUTDOWN : null, null);
            }
        }
    }

    /** Runs {@code task} on the launch thread (off the I/O thread); false when the pool has terminated. */
    boolean offLoop(Runnable task) {
        try {
            background.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Once the pool terminated: the launch thread ends. */
    public void close() {
        background.shutdown();
    }

    /** I/O thread: no worker is left (in a slot or aside). */
    public boolean noneLeft() {
        return slots.all().isEmpty();
    }

    public static String tailText(List<String> tail) {
        return tail.isEmpty() ? "" : "; its last output:\n  " + String.join("\n  ", tail);
    }

    static String text(Duration d) {
        return Durations.text(d);
    }
}
