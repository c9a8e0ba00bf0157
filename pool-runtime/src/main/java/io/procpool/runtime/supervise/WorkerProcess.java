package io.procpool.runtime.supervise;

import io.procpool.ExitReason;
import io.procpool.WorkerInfo;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.Priority;
import io.procpool.runtime.process.Timeout;

/**
 * One worker process and its supervision state: its slot, its start, its health, its recycling hand-over, and why
 * the pool ended it ({@link #kill}). The layer above extends it with what it hands the worker ({@code W} is that
 * subclass, so that a successor is of the same kind). I/O thread only.
 *
 * @param <W> the concrete worker type
 */
public abstract class WorkerProcess<W extends WorkerProcess<W>> {

    /** Its slot; -1 for a warm spare, until it is promoted. */
    public int slot;
    public String id;
    /** Its process; null while it is being spawned (on the launch thread). */
    public ChildProcess child;
    /** It said HELLO (line mode: it was spawned). */
    public boolean ready;
    /** It is ending: told to finish (end of input), or killed. */
    public boolean stopping;
    /** Why the pool killed it, for the messages of what it held; null if it did not. */
    public String killReason;
    /** Why the pool killed or stopped it; null: it died on its own. */
    public ExitReason exitReason;
    /** What it sent that broke the protocol. */
    public String received;
    /** The CDS archive it records (a unique number), 0 for none. */
    public long cdsRecording;
    /** It maps a CDS archive: a failed start may be the archive's fault. */
    public boolean cdsMapped;
    public int tasksDone;
    /** Tasks after which it is recycled, 0 for no limit. */
    public int taskLimit;
    public long lastHeardNanos = System.nanoTime();
    public long rssCheckedNanos;
    /** Started to take this worker's slot when it reaches a recycling limit. */
    public W successor;
    /** The worker whose slot this one takes once ready. */
    public W predecessor;
    /** Handed its slot to a successor (or left it for good): finishes what it holds, then leaves. */
    public boolean retired;
    /** Started and ready, but in no slot: takes one at once when a worker dies. */
    public boolean spare;
    public long spawnNanos;
    public long readyNanos;
    public long idleSinceNanos;
    /** Why it is being recycled (its successor is starting). */
    public ExitReason retireReason;
    /** It was killed while being spawned: its process is killed as soon as it is there. */
    public boolean killPending;
    /** Its resident memory is being read (off the I/O thread). */
    public boolean rssReading;
    /** Kills it if it is not ready within startupTimeout. */
    public Timeout startupTimer;
    /** Its CPU priority (nice value): above 0 while a spare or successor starts; see {@link Spares}. */
    public int nice;
    /** It started at a lower CPU priority (its start time says nothing about a replacement's). */
    public boolean startedNiced;

    protected WorkerProcess(int slot, String id) {
        this.slot = slot;
        this.id = id;
    }

    /** Whether it holds tasks: sent to it and not answered yet. */
    public abstract boolean holdsWork();

    /**
     * Whether, retired, it may be told to finish now: it holds nothing (a layer above may say more, as line mode,
     * whose held requests are all written and checked at its exit).
     */
    public boolean mayFinish() {
        return !holdsWork();
    }

    /**
     * Kills the worker and its process group with SIGKILL: the one way the pool ends a worker at once. Its exit then
     * comes as for any death, with these reasons.
     *
     * @param reason its exit reason (counted as a restart reason), or null to keep the one it has
     * @param why    the words for what it held (and the log), or null to keep the ones it has
     */
    public final void kill(ExitReason reason, String why) {
        if (why != null) {
            killReason = why;
        }
        if (reason != null) {
            exitReason = reason;
        }
        if (child == null) {
            killPending = true;  // still being spawned: killed as soon as its process is there
            return;
        }
        child.killGroup(9);
        child.kill(9);  // the group is gone if the worker left it (setsid): the pidfd still finds the worker
    }

    /**
     * Sets its whole process group's CPU priority; keeps the old value if that fails. Never once it has been reaped:
     * its pid, the group's id, may belong to another process by then.
     */
    public final void renice(int value) {
        if (nice != value && child != null && child.exitStatus().isEmpty() && Priority.setGroupNice(child, value)) {
            nice = value;
        }
    }

    public final WorkerInfo info() {
        return new WorkerInfo(id, child == null ? 0 : child.pid());
    }

    @Override
    public String toString() {
        return id + (child == null ? "" : " (pid " + child.pid() + ")");
    }
}
