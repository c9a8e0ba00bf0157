package io.procpool.runtime.dispatch;

import io.procpool.PoolStats;
import io.procpool.runtime.supervise.Slots;
import io.procpool.runtime.supervise.Supervisor;

/**
 * The pool's worker and task counts, counted on the I/O thread after each change and published as one value, so
 * that a reader of {@link PoolStats} on any thread never sees half an update.
 */
final class WorkerCounts {

    private record Counts(int starting, int idle, int busy, int inFlight, int spares) {
    }

    private volatile Counts counts = new Counts(0, 0, 0, 0, 0);

    /** I/O thread: counts every live process once: in slots, and aside (starting spares and successors, draining). */
    void update(Slots<Worker> slots, int inFlight) {
        int s = 0;
        int i = 0;
        int b = 0;
        for (Worker w : slots.table()) {
            if (w == null) {
                continue;
            }
            if (!w.ready) {
                s++;
            } else if (w.held.isEmpty()) {
                i++;
            } else {
                b++;
            }
        }
        int sp = 0;
        for (Worker w : slots.aside()) {
            if (!w.ready) {
                s++;
            } else if (w.spare) {
                sp++;
            } else if (!w.held.isEmpty()) {
                b++;
            }
        }
        Counts now = counts;
        if (now.starting() != s || now.idle() != i || now.busy() != b || now.inFlight() != inFlight
                || now.spares() != sp) {
            counts = new Counts(s, i, b, inFlight, sp);  // a new value only when one changed: once per task at most
        }
    }

    PoolStats stats(int queued, FutureSink sink, Supervisor<Worker> supervisor) {
        Counts c = counts;
        return new PoolStats(c.starting(), c.idle(), c.busy(), queued, c.inFlight(), sink.completed.sum(),
                sink.failed.sum(), supervisor.restarts(), supervisor.recycled(), c.spares());
    }
}
