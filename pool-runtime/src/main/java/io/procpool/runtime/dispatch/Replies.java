package io.procpool.runtime.dispatch;

import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;

import io.procpool.ExitReason;
import io.procpool.TaskFailedException;
import io.procpool.runtime.process.MemoryReserve;
import io.procpool.runtime.wire.Protocol;
import io.procpool.runtime.wire.Quoting;
import org.slf4j.Logger;

/**
 * Reads a worker's frames on the I/O thread: each is checked against what the worker holds (a frame that makes no
 * sense is a protocol error: its worker is killed and replaced) and handed on: HELLO sets the worker's credits,
 * STARTED restarts its task's timeout, RESULT and ERROR answer a task, EVENT goes to the task's future in the
 * completion step ({@link Completions}).
 */
final class Replies {

    private static final Logger LOG = io.procpool.runtime.process.Logs.logger(PoolEngine.class);

    private final PoolEngine e;
    private final PoolEngine.Decoder events;

    Replies(PoolEngine engine, PoolEngine.Decoder events) {
        this.e = engine;
        this.events = events;
    }

    void onMessage(Worker w, ByteBuffer m) {
        if (w.exitReason == ExitReason.PROTOCOL_ERROR) {
            return;  // it broke the protocol: nothing more it says is believed
        }
        try {
            readMessage(w, m);
        } catch (Throwable t) {  // OutOfMemoryError included: a frame that cannot be read fails its worker, never the loop
            String what;
            String received;
            try {
                what = "a frame that could not be read (" + t + ")";
                received = Quoting.hex(m);
            } catch (OutOfMemoryError full) {  // not even the words: the worker goes all the same
                what = "a frame that could not be read (out of memory)";
                received = "";
            }
            e.protocolError(w, what, received);
        }
    }

    private void readMessage(Worker w, ByteBuffer m) {
        w.lastHeardNanos = System.nanoTime();
        if (m.remaining() < Protocol.HEADER) {
            e.protocolError(w, "a frame of " + m.remaining() + " bytes, shorter than the header", Quoting.hex(m));
            return;
        }
        int type = Protocol.type(m);
        long id = Protocol.task(m);
        switch (type) {
            case Protocol.HELLO -> {
                Protocol.Hello hello;
                try {
                    hello = Protocol.readHello(m.duplicate().position(m.position() + Protocol.HEADER));
                } catch (IllegalArgumentException bad) {
                    e.protocolError(w, bad.getMessage(), Quoting.hex(m));
                    return;
                }
                w.runs = Math.min(e.cfg.capacity(), hello.capacity());
                w.credits = w.runs + e.cfg.prefetch();
                w.reportsStarted = hello.has(Protocol.CAP_STARTED);
                e.onHello(w);
            }
            case Protocol.STARTED -> {
                Job j = e.inFlight.get(id);
                if (!w.reportsStarted || j == null || j.worker != w || j.started) {
                    e.protocolError(w, "STARTED for task " + id + (w.reportsStarted ? ", which it does not hold or"
                            + " started before" : " from a worker whose HELLO did not list \"started\""), Quoting.hex(m));
                    return;
                }
                j.started = true;
                if (j.timer != null) {
                    j.timer.cancel();
                    e.cancels.startTimer(j, w);
                }
            }
            case Protocol.RESULT, Protocol.ERROR -> {
                Job j = e.inFlight.get(id);
                if (j == null || j.worker != w) {
                    e.protocolError(w, Protocol.typeName(type) + " for task " + id + ", which it does not hold", Quoting.hex(m));
                    return;
                }
                byte[] body = null;
                Delivery answer;
                try {
                    body = bodyOf(m);
                    String[] error = null;
                    if (type == Protocol.ERROR) {
                        try {
                            error = Protocol.readError(ByteBuffer.wrap(body));
                        } catch (RuntimeException bad) {
                            e.protocolError(w, "an ERROR whose body is not three length-prefixed strings: "
                                    + bad.getMessage(), Quoting.hex(m));
                            return;
                        }
                    }
                    answer = w.ledger != null ? null : new Answer(j, body, error, w.id);
                    e.reserveCompletion();
                } catch (OutOfMemoryError full) {
                    if (w.ledger != null) {
                        throw full;  // line mode believes an answer at its worker's exit only: that worker goes
                    }
                    // this JVM's memory, not the worker's fault: the task fails, its worker stays
                    answer = unread(w, j, m.remaining() - Protocol.HEADER, full);
                }
                e.onReply(w, j, body, answer);  // all made first: nothing fails once the job leaves inFlight
            }
            case Protocol.EVENT -> {
                Job j = e.inFlight.get(id);
                if (j == null || j.worker != w) {
                    e.protocolError(w, "EVENT for task " + id + ", which it does not hold", Quoting.hex(m));
                    return;
                }
                byte[] body = bodyOf(m);
                e.complete(j, () -> {
                    if (j.sink.event(j, body)) {
                        return;  // a remote source forwards the bytes to its submitter
                    }
                    Object event;
                    try {
                        event = events.decode(body);
                    } catch (Throwable bad) {  // the bytes are a worker's: an Error decoding them drops the event
                        LOG.warn("{} - an event of task {} cannot be decoded; dropped: {}", e.cfg.name(), j.id,
                                bad.toString());
                        return;
                    }
                    j.future.fireEvent(event);
                });
            }
            case Protocol.HEARTBEAT -> { }
            default -> e.protocolError(w, "a frame of " + Protocol.typeName(type), Quoting.hex(m));
        }
    }

    /**
     * The step that fails {@code j} for want of memory here, with room to queue it. A full heap may have no room even
     * for that: memory comes back as the completer and the callers let answers go, so this tries for up to ~100 ms
     * before it gives up (it throws; the worker is then killed as for a frame that cannot be read, its task with it).
     * The worker answered, so its death is not an early one: it does not count toward the crash-loop breaker.
     */
    private Delivery unread(Worker w, Job j, int size, OutOfMemoryError full) {
        for (int tries = 1; ; tries++) {
            try {
                Delivery d = new Unread(j, size, full);
                e.reserveCompletion();
                return d;
            } catch (OutOfMemoryError still) {
                if (tries == 50) {
                    w.tasksDone++;  // it did its work: this JVM's memory, not the worker, failed (RestartPolicy.early)
                    throw still;
                }
                MemoryReserve.spend();
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L);
            }
        }
    }

    private static byte[] bodyOf(ByteBuffer m) {
        byte[] body = new byte[m.remaining() - Protocol.HEADER];
        m.get(m.position() + Protocol.HEADER, body);
        return body;
    }

    /** The step that completes {@code j} with a worker's answer (a RESULT's body, or an ERROR's three strings). */
    Delivery answer(Job j, byte[] body, String[] error, String workerId) {
        return new Answer(j, body, error, workerId);
    }

    private final class Answer extends Delivery {
        private final Job job;
        private final byte[] body;
        private final String[] error;
        private final String workerId;

        Answer(Job job, byte[] body, String[] error, String workerId) {
            super(job);
            this.job = job;
            this.body = body;
            this.error = error;
            this.workerId = workerId;
        }

        @Override
        public void run() {
            if (error == null) {
                job.sink.succeeded(job, body);
            } else {
                completeError(job, workerId, error);
            }
        }
    }

    /** The step that fails a job whose answer was whole but could not be copied here: the manager's heap was full. */
    private final class Unread extends Delivery {
        private final Job job;
        private final int size;
        private final OutOfMemoryError full;

        Unread(Job job, int size, OutOfMemoryError full) {
            super(job);
            this.job = job;
            this.size = size;
            this.full = full;
        }

        @Override
        public void run() {
            Throwable failure = full;
            try {
                failure = new TaskFailedException(e.cfg.name() + " - the answer of task " + job.id + " (" + size
                        + " bytes) could not be read: this JVM is out of memory (" + full.getMessage() + ")",
                        full.getClass().getName(), full.getMessage(), "");
            } catch (OutOfMemoryError still) {  // the error itself, unwrapped
                // failure stays the first error
            }
            job.sink.failed(job, failure);
        }
    }

    /** Completion step: a worker's ERROR (class, message, stack) as the exception its task fails with. */
    void completeError(Job j, String workerId, String[] error) {
        if (error[0].equals(CancellationException.class.getName())) {
            j.sink.failed(j, new CancellationException(error[1]));
            return;
        }
        try {
            j.sink.failed(j, new TaskFailedException(e.cfg.name() + " - task " + j.id + " failed in worker " + workerId
                    + ": " + error[0] + (error[1].isEmpty() ? "" : ": " + error[1]), error[0],
                    error[1].isEmpty() ? null : error[1], error[2]));
        } catch (OutOfMemoryError memory) {  // the message could not be made: fail it still, with the bare error
            j.sink.failed(j, memory);
        }
    }
}
