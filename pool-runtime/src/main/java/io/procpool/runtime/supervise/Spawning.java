package io.procpool.runtime.supervise;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.procpool.SpawnException;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.Logs;
import io.procpool.runtime.process.ProcessSpec;
import io.procpool.runtime.supervise.Supervised.Phase;
import io.procpool.runtime.wire.Protocol;
import org.slf4j.Logger;

/**
 * Spawning a worker without stopping the I/O thread: the worker takes its slot at once, {@code posix_spawnp} runs on
 * the launch thread, and the process is taken back on the I/O thread before any of its events ({@link #launched}); a
 * spawn that fails frees the slot, which restarts as after a death. The launch thread also reads workers' resident
 * memory ({@link #offLoop}). I/O thread, but for {@link #launch}.
 *
 * @param <W> the concrete worker type
 */
final class Spawning<W extends WorkerProcess<W>> {

    private static final Logger LOG = Logs.logger(Supervisor.class);

    private final Supervisor<W> s;
    private final Launcher launcher;
    private final byte[] head = new byte[Protocol.HEADER];
    /**
     * The launch thread: spawns (posix_spawnp) and reads workers' resident memory, so that the I/O thread never
     * waits on either; it ends when idle for 10 s, and at {@link #close}. (So no worker may ever be spawned with
     * {@code PR_SET_PDEATHSIG}, which follows the spawning thread: channel EOF is the manager-death signal.)
     */
    private final ThreadPoolExecutor background;
    /** JVM workers: the INIT frame's body each worker reads first, or null. */
    volatile byte[] initBody;

    Spawning(Supervisor<W> supervisor, Launcher launcher) {
        this.s = supervisor;
        this.launcher = launcher;
        this.background = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "procpool-launch-" + supervisor.cfg.name());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Spawns {@code w} into its slot (or, a successor or a spare, aside until it is ready). The slot is taken at once;
     * {@code posix_spawnp} runs on the launch thread (it takes 1-3 ms, tens at the tail, which the I/O thread must not
     * wait for), and {@link #launched} takes the process on the I/O thread before any of its events.
     */
    void spawnWorker(W w, boolean intoSlot) {
        if (s.cfg.maxTasksPerWorker() > 0) {
            w.taskLimit = Sizing.taskLimit(s.cfg.maxTasksPerWorker(), ThreadLocalRandom.current().nextDouble());
        }
        ProcessSpec spec;
        try {
            spec = launcher.spec(w, s.handler);
        } catch (RuntimeException | Error e) {  // a bad directory or environment
            notStarted(w, intoSlot, w.slot, whyNot(w, e));
            s.pool.changed();
            return;
        }
        if (intoSlot) {
            s.slots.set(w.slot, w);
        } else {
            s.aside.add(w);
        }
        try {
            background.execute(() -> launch(w, spec));
        } catch (RejectedExecutionException e) {
            launchFailed(w, e);
        }
        s.pool.changed();
    }

    /** The launch thread: spawns {@code w}'s process; what follows runs on the I/O thread. */
    private void launch(W w, ProcessSpec spec) {
        try {
            w.spawnNanos = System.nanoTime();
            s.spawner.spawn(spec, child -> launched(w, child));
        } catch (RuntimeException | Error e) {  // ENOENT, EACCES, no thread left, no memory
            for (int tries = 1; ; tries++) {  // the slot waits for this word: a full heap only delays it
                try {
                    s.spawner.execute(() -> launchFailed(w, e));
                    return;
                } catch (OutOfMemoryError full) {
                    io.procpool.runtime.process.MemoryReserve.awaitMemory(tries);
                }
            }
        }
    }

    /** I/O thread, before any event of its process: {@code w} runs. */
    private void launched(W w, ChildProcess child) {
        w.child = child;
        if (initBody != null) {  // the first frame it reads: its initializer runs before its HELLO
            Protocol.putHeader(head, 0, Protocol.INIT, 0);
            try {
                child.pushLater(head, Protocol.HEADER, initBody, true);
            } catch (RuntimeException gone) {
                // it died at once: its exit follows
            }
        }
        s.events.workerStarted(w.info());
        if (s.spareKeeper.spawned(w)) {  // a spare or successor starts at a lower CPU priority, never starved
            s.spawner.schedule(s.cfg.startupTimeout().dividedBy(2), () -> s.spareKeeper.unstarve(w));
        }
        w.startupTimer = s.spawner.schedule(s.cfg.startupTimeout(), () -> startupOver(w));
        if (s.cfg.maxWorkerLifetime() != null) {
            long life = Sizing.lifetimeNanos(s.cfg.maxWorkerLifetime(), ThreadLocalRandom.current().nextDouble());
            s.spawner.schedule(life, () -> s.recycling.lifetimeOver(w));
        }
        s.pool.spawned(w);
        if (w.killPending) {
            w.kill(null, null);  // killed while it was being spawned (a shutdown, a scale-down)
        }
        s.pool.changed();
    }

    /** I/O thread: {@code w}'s process could not be spawned; its slot (if it still has one) restarts as after a death. */
    private void launchFailed(W w, Throwable e) {
        boolean inSlot = s.slots.holds(w);
        if (inSlot) {
            s.slots.set(w.slot, null);
        } else {
            s.aside.remove(w);
        }
        if (w.killPending) {
            releaseRecording(w);
            if (w.predecessor != null && w.predecessor.successor == w) {
                w.predecessor.successor = null;  // else its predecessor's exit would put this one into the slot
            }
            LOG.debug("{} - worker {} could not be started, and was not wanted any more: {}", s.cfg.name(), w, e.toString());
        } else {
            notStarted(w, inSlot, w.slot, whyNot(w, e));
        }
        s.pool.changed();
        s.pool.settled();
    }

    /** {@code w} was to record the CDS archive but never ran: the next worker records it. */
    private void releaseRecording(W w) {
        if (w.cdsRecording != 0) {
            s.cfg.cds().recorded(w.cdsRecording, false);
            w.cdsRecording = 0;
        }
    }

    private String whyNot(W w, Throwable e) {
        return e instanceof SpawnException ? e.getMessage()
                : s.cfg.name() + " - worker " + w.id + " cannot be started: " + e.getMessage();
    }

    private void notStarted(W w, boolean intoSlot, int slot, String why) {
        releaseRecording(w);
        if (w.spare) {
            LOG.warn("{} - could not start a warm spare: {}", s.cfg.name(), why);
            return;
        }
        if (!intoSlot) {
            if (w.predecessor != null) {
                w.predecessor.successor = null;  // the old worker keeps serving; it tries again later
            }
            LOG.warn("{} - could not start a successor for worker {}: {}", s.cfg.name(), w.predecessor, why);
            s.restarts.countEarlyDeath(why);
            return;
        }
        s.startFailed(why);
        if (s.pool.phase() != Phase.STARTING) {
            s.slots.lengthenStreak(slot);
            if (!s.restarts.countEarlyDeath(why)) {
                s.restarts.restartSlot(slot);
            }
        }
    }

    /** I/O thread: {@code w} was spawned startupTimeout ago; if it has not said HELLO, it failed to start. */
    private void startupOver(W w) {
        if (!w.ready && w.exitReason == null && w.child.exitStatus().isEmpty()) {
            w.kill(null, "did not say HELLO within startupTimeout " + Durations.text(s.cfg.startupTimeout()));
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
    void close() {
        background.shutdown();
    }
}
