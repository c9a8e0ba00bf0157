package io.procpool.runtime.dispatch;

import java.util.ArrayDeque;

import io.procpool.runtime.supervise.WorkerProcess;

/** A worker as dispatch sees it: the jobs it holds and its credits, over its process. I/O thread only. */
final class Worker extends WorkerProcess<Worker> {

    final ArrayDeque<Job> held = new ArrayDeque<>();
    /** Tasks it runs at once: min(capacity, what its HELLO says). */
    int runs = 1;
    /** Tasks it may hold: runs + prefetch. */
    int credits = 1;
    /** Its HELLO lists "started": it says STARTED before each task it runs. */
    boolean reportsStarted;
    /** Line mode: its stdin writes, in order. */
    final ArrayDeque<Runnable> writes = new ArrayDeque<>();
    /** Line mode, guarded by writes: a thread is running its writes. */
    boolean writing;
    /** Line mode with checked replies: its replies not believed yet; else null. */
    LineLedger ledger;
    /** Checked line mode: its input was ended because it held a request in silence. */
    boolean stalled;

    Worker(int slot, String id) {
        super(slot, id);
    }

    @Override
    public boolean holdsWork() {
        return !held.isEmpty();
    }

    /** Checked line mode: its held requests are all written, and its exit checks their replies. */
    @Override
    public boolean mayFinish() {
        return held.isEmpty() || ledger != null;
    }
}
