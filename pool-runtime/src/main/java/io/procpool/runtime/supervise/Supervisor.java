package io.procpool.runtime.supervise;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolListener;
import io.procpool.runtime.process.Logs;
import io.procpool.runtime.process.Spawner;
import io.procpool.runtime.supervise.Supervised.Phase;
import io.procpool.runtime.wire.Protocol;
import org.slf4j.Logger;

/**
 * The supervision layer of one pool: starts its workers ({@link Launcher} for what each is started from,
 * {@code Spawning} for the spawn off the I/O thread), keeps the slot table ({@link Slots}), reads HELLO, and kills
 * workers that break the protocol or close their channel and live on. Exits and what takes a dead worker's place
 * (successors, spares, back-off, the crash-loop breaker) are {@code Restarts}'; recycling and health
 * {@link Recycling}'s; pool size {@link Resizing}'s. It tells the layer above through {@link Supervised} only. I/O
 * thread, but for {@link #startAll} and {@link #initializer}.
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
    final AtomicLong restartCount = new AtomicLong();
    final Restarts<W> restarts;
    final AtomicLong recycled = new AtomicLong();
    final Spawning<W> spawning;
    /** How many spares, which one takes an empty slot, and their CPU priority while they start. */
    final SpareKeeper<W> spareKeeper;
    final Recycling<W> recycling;
    final Resizing<W> resizing;

    final WorkerHandler<W> handler = new WorkerHandler<>() {
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
        this.spareKeeper = new SpareKeeper<>(cfg.spares(), cfg.maxSpares(), cfg.spareNice());
        this.spawning = new Spawning<>(this, launcher);
        this.recycling = new Recycling<>(this);
        this.resizing = new Resizing<>(this);
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
        spawning.spawnWorker(pool.newWorker(slot, cfg.name() + "-" + (slot + 1)), true);
    }

    /**
     * JVM workers: the INIT frame's body (a serialized initializer task) that each worker gets first; its command must
     * say {@code -Dprocpool.init=true}. Before {@link #startAll}.
     */
    public void initializer(byte[] body) {
        spawning.initBody = body;
    }

    /** Once the pool terminated: the launch thread ends. */
    public void close() {
        spawning.close();
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
        spareKeeper.ready(w, w.readyNanos - w.spawnNanos);
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
        String why;
        try {
            why = "protocol error: " + what + " (received: " + received + ")";
        } catch (OutOfMemoryError full) {  // the kill matters, not its words
            why = "protocol error";
        }
        w.received = received;
        w.kill(ExitReason.PROTOCOL_ERROR, why);
        try {
            LOG.warn("{} - worker {} broke the protocol: {} (received: {}); killed it", cfg.name(), w, what, received);
        } catch (OutOfMemoryError full) {
            // the line is lost; the worker is killed all the same
        }
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

    /** I/O thread: no worker is left (in a slot or aside). */
    public boolean noneLeft() {
        return slots.all().isEmpty();
    }

    public static String tailText(List<String> tail) {
        return tail.isEmpty() ? "" : "; its last output:\n  " + String.join("\n  ", tail);
    }
}
