package io.procpool.runtime.dispatch;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.wire.Quoting;
import org.slf4j.Logger;

/**
 * Line mode, the one place that knows it: requests are written to a worker's stdin in order, off the I/O thread (a
 * pipe write may block: each worker's writes run on a writer thread of their own while it has any), a line on its
 * stdout answers the oldest request it holds, and with checked replies ({@link LineCheck}) its replies are believed
 * only once its exit proves them in step. I/O thread, except the writes.
 */
final class LineMode {

    private static final Logger LOG = io.procpool.runtime.process.Logs.logger(PoolEngine.class);

    private final PoolEngine e;
    private final ExecutorService writer;
    /** Checked line mode, I/O thread: the stall period now, doubled (up to 16 times) after each merely slow worker. */
    private long stallNanos;

    LineMode(PoolEngine engine, String pool) {
        this.e = engine;
        this.writer = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "procpool-lines-" + pool);
            t.setDaemon(true);
            return t;
        });
    }

    /** Line mode: ends the worker's input once all written requests are out: it finishes and exits. */
    void endInput(Worker w) {
        ChildProcess child = w.child;
        later(w, child::closeStdin);
    }

    /** Once the pool terminated: the writer threads end when their writes are done. */
    void shutdown() {
        writer.shutdown();
    }

    /** Line mode: the request (the body after its attempt number) and a newline, written in order. */
    void write(Worker w, byte[] body) {
        byte[] line = java.util.Arrays.copyOfRange(body, 2, body.length + 1);
        line[line.length - 1] = '\n';
        ChildProcess child = w.child;
        later(w, () -> {
            try {
                child.write(line);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException gone) {
                // it exited: its exit hands back what it held
            }
        });
    }

    /**
     * Line mode: runs {@code write} after the worker's earlier writes, on a thread of its own while it runs: a worker
     * that does not read its stdin blocks only its own writes, never another worker's.
     */
    void later(Worker w, Runnable write) {
        synchronized (w.writes) {
            w.writes.addLast(write);
            if (w.writing) {
                return;
            }
            w.writing = true;
        }
        writer.execute(() -> {
            while (true) {
                Runnable next;
                synchronized (w.writes) {
                    next = w.writes.pollFirst();
                    if (next == null) {
                        w.writing = false;
                        return;
                    }
                }
                try {
                    next.run();
                } catch (RuntimeException failed) {
                    LOG.debug("{} - a write to worker {} failed", e.cfg.name(), w, failed);
                }
            }
        });
    }

    /** Line mode, I/O thread: a line from the worker's stdout answers the oldest request it holds. */
    void onLine(Worker w, String line) {
        if (w.killReason != null) {
            return;  // being killed (protocol error, timeout, cancel): nothing more it says is believed
        }
        w.lastHeardNanos = System.nanoTime();
        Job j = w.held.peekFirst();
        if (j == null) {
            e.protocolError(w, "a line for no request", Quoting.quote(line));
            return;
        }
        byte[] body = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        e.onReply(w, j, body, w.ledger != null ? null : e.replies.answer(j, body, null, w.id));
    }

    // ------------------------------------------------------------ line mode with checked replies (LineCheck)

    /** Spawn: a checked line worker keeps a ledger, and its input is ended after {@code every} tasks. */
    void checked(Worker w) {
        LineCheck check = e.cfg.lineCheck();
        if (check != null) {
            if (stallNanos == 0) {
                stallNanos = check.stall().toNanos();
            }
            w.ledger = new LineLedger();
            w.taskLimit = w.taskLimit == 0 ? check.every() : Math.min(w.taskLimit, check.every());
        }
    }

    /**
     * I/O thread, every few ms: ends the input of a worker that idles with unconfirmed replies while nothing is
     * queued (so that they are confirmed now), or that holds a request without a word for the stall period (a
     * block-buffered worker then flushes at exit; a stuck one shows it is out of step).
     */
    void checkWorkers() {
        if (e.state != PoolEngine.RunState.RUNNING && e.state != PoolEngine.RunState.SHUTDOWN) {
            return;
        }
        long now = System.nanoTime();
        boolean nothingQueued = e.source.isEmpty();
        for (Worker w : e.supervisor.slots().table()) {
            if (w == null || w.ledger == null || !w.ready || w.stopping || w.retired || w.successor != null
                    || w.killReason != null) {
                continue;
            }
            if (w.held.isEmpty()) {
                if (!w.ledger.isEmpty() && nothingQueued && now - w.idleSinceNanos > LineCheck.IDLE.toNanos()
                        && e.state == PoolEngine.RunState.RUNNING) {  // in SHUTDOWN maybeDrained ends every input
                    e.supervisor.recycling().retire(w, ExitReason.MAX_TASKS, "to check its replies");
                }
            } else if (now - Math.max(w.lastHeardNanos, w.held.peekFirst().sentNanos) > stallNanos) {
                LOG.debug("{} - worker {} holds {} requests without a reply for {} ms: ending its input", e.cfg.name(),
                        w, w.held.size(), stallNanos / 1_000_000);
                w.stalled = true;
                endInputChecked(w, "after no reply for " + stallNanos / 1_000_000 + " ms");
            }
        }
    }

    /** I/O thread: ends a checked line worker's input, its successor taking over (in SHUTDOWN: none needed). */
    private void endInputChecked(Worker w, String why) {
        if (e.state == PoolEngine.RunState.RUNNING) {
            e.supervisor.recycling().retire(w, ExitReason.MAX_TASKS, why);
        } else {
            w.stopping = true;
            w.exitReason = ExitReason.MAX_TASKS;  // a check, not a crash: its slot restarts if work is left
            e.endInput(w);
        }
    }

    /**
     * I/O thread, at a checked line worker's exit: its held replies are believed (it proved in step), or go back to
     * the queue (it died unchecked: no attempt used), or are retried and at last failed (it answered out of step).
     * Requests it still held are left to the caller, with the reason in {@code w.killReason}.
     */
    void checkAtExit(Worker w, ExitStatus status, List<String> tail, List<Job> back) {
        if (w.ledger == null) {
            return;
        }
        LineLedger.Verdict verdict = LineLedger.verdict(status, w.held.size(), w.exitReason, w.killReason);
        if (verdict == LineLedger.Verdict.OUT_OF_STEP) {  // what it held fails with these words too
            w.killReason = "answered out of step: " + (w.exitReason == ExitReason.PROTOCOL_ERROR
                    ? "an extra line, " + w.killReason.replaceFirst("^protocol error: ", "")
                    : "a missing reply, it ended with " + w.held.size() + " of its requests unanswered");
        }
        List<LineLedger.Reply> replies = w.ledger.takeAll();
        if (verdict == LineLedger.Verdict.TRUSTED && w.stalled) {
            // it was only slow (starting, or buffering): give the next ones longer before their input is ended
            stallNanos = Math.min(stallNanos * 2, e.cfg.lineCheck().stall().toNanos() * 16);
        }
        if (verdict == LineLedger.Verdict.TRUSTED) {
            for (LineLedger.Reply r : replies) {
                e.complete(r.job(), () -> r.job().sink.succeeded(r.job(), r.body()));
            }
            return;
        }
        for (LineLedger.Reply r : replies) {
            Job j = r.job();
            if (j.settled || j.future.isDone()) {
                continue;
            }
            // UNCHECKED: answered, but the worker died before it could be checked: run again without an attempt
            if (!e.requeue(j, back, verdict != LineLedger.Verdict.UNCHECKED)) {
                String message = e.cfg.name() + " - task " + j.id + " failed: its worker " + w + " " + w.killReason
                        + ", so none of the " + replies.size() + " replies since its last check can be matched to their"
                        + " requests; on attempt " + j.attempt + " of " + j.maxAttempts + io.procpool.runtime.supervise.Supervisor.tailText(tail);
                e.settle(j, new io.procpool.ProtocolException(message, w.received, status, j.attempt, tail));
            }
        }
    }
}
