package io.procpool.runtime.worker;

import java.io.DataInputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingDeque;

import com.esotericsoftware.kryo.KryoException;
import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.runtime.wire.Protocol;
import io.procpool.runtime.wire.Serialization;

/**
 * The program a {@code TaskPool} execs for each JVM worker. It takes its channel at fd 0 as a plain file
 * descriptor, read and written through streams (no native code: a cold JVM pays hundreds of milliseconds for any;
 * and not {@code System.inheritedChannel()}, whose selector-provider lookup opens every jar of the class path and
 * whose Unix-domain set-up loads the security providers: some 100 ms of a 300 ms start), says HELLO, and runs
 * tasks on {@code capacity} threads (capacity 1: two threads that take turns reading and running, {@link SoloLoop}).
 * Each task thread says STARTED before it runs a task and
 * writes the answer itself before it takes the next ({@link FrameWriter}), so the manager always knows which task
 * was running. Every task gets an answer, whatever it throws (an error too big or too deep to encode becomes a
 * short one); an error outside a task (in the worker's own reading or writing) halts the worker, so the manager
 * sees a crash rather than a task that never ends. SHUTDOWN: finish what it holds, reply, exit. End of stream
 * (the manager is gone): finish the tasks in hand within the pool's shutdownTimeout ({@link EndGrace}), drop the rest,
 * exit.
 *
 * <p>Configured by the pool: environment {@code PROCPOOL_WORKER} (its id); system properties {@code procpool.capacity},
 * {@code procpool.maxFrame}, {@code procpool.allow} (the allowlist, comma separated), {@code procpool.endGraceMillis}.
 */
public final class WorkerMain {

    private static final Held STOP = new Held(-1, 0, null);

    private final String workerId;
    private final int capacity;
    private final int maxFrame;
    private final Serialization serialization;
    private final FrameReader frames;
    private final DataInputStream in;
    private final LinkedBlockingDeque<Held> tasks = new LinkedBlockingDeque<>();
    /** What each task thread runs now (null: nothing), by thread index; guarded by itself. */
    private final Running[] running;
    private final java.util.Set<Long> cancelledEarly = new java.util.HashSet<>();
    private final FrameWriter out;
    /**
     * Capacity 1: the results' buffer of both threads ({@link SoloLoop}; one runs a task at a time, and writes its
     * answer before the other may take one), so that a worker keeps one buffer as large as its largest result, not
     * two. Null otherwise: each task thread has its own.
     */
    private final com.esotericsoftware.kryo.io.Output results;

    record Held(long id, int attempt, byte[] body) {
    }

    /** A task being run: its context, and the thread to interrupt on CANCEL. */
    private final class Running implements TaskContext {
        final Held held;
        final Thread thread;
        volatile boolean cancelled;

        Running(Held held, Thread thread) {
            this.held = held;
            this.thread = thread;
        }

        @Override
        public long taskId() {
            return held.id;
        }

        @Override
        public int attempt() {
            return held.attempt;
        }

        @Override
        public String workerId() {
            return workerId;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public void emit(Object event) {
            byte[] body = serialization.serialize(event);
            if (body.length > out.maxBody()) {
                out.tooLarge(Protocol.EVENT, held.id, body.length);  // logged on stderr; the event is dropped
                return;
            }
            out.send(Protocol.EVENT, held.id, body);
        }
    }

    private WorkerMain(String workerId, int capacity, int maxFrame, List<String> allowed) {
        this.workerId = workerId;
        this.capacity = capacity;
        this.running = new Running[capacity];
        this.maxFrame = maxFrame;
        this.serialization = Serialization.perThread(allowed, WorkerMain.class.getClassLoader());
        // a stream on the descriptor: its blocking read holds no lock that FrameWriter's writes need (fd 0 is
        // blocking on this side)
        this.frames = new FrameReader(FileDescriptor.in, maxFrame, workerId);
        this.in = new DataInputStream(frames);  // for the INIT frame; DataInputStream buffers nothing itself
        this.out = new FrameWriter(FileDescriptor.in, maxFrame, workerId);  // the channel is fd 0
        this.results = capacity == 1 ? Serialization.newOutput() : null;
    }

    public static void main(String[] args) throws Exception {
        if (!ProcSelf.socketOnFd0()) {
            System.err.println("procpool worker: no socket on fd 0. This program is started by a procpool TaskPool,"
                    + " not by hand.");
            System.exit(2);
            return;
        }
        String allow = System.getProperty("procpool.allow", "");
        WorkerMain w = new WorkerMain(
                System.getenv().getOrDefault("PROCPOOL_WORKER", "worker"),
                Integer.getInteger("procpool.capacity", 1),
                Integer.getInteger("procpool.maxFrame", 16 << 20),
                allow.isEmpty() ? List.of() : Arrays.asList(allow.split(",")));
        int status;
        try {
            status = w.run();
        } catch (Throwable e) {
            halt("its reader failed", e);
            return;
        }
        System.exit(status);
    }

    /**
     * Ends the worker at once: something outside any task failed (out of memory reading a frame, say), and a worker
     * that goes on without a reader or with a half-written frame would leave its tasks unanswered for good.
     */
    static void halt(String what, Throwable e) {
        try {
            System.err.println("procpool worker: " + what + ": " + e + "; exiting");
        } finally {
            Runtime.getRuntime().halt(70);
        }
    }

    /** For the worker's own threads (not the tasks' threads: a task's own thread failing is the task's business). */
    private static void halted(Thread t, Throwable e) {
        halt("thread " + t.getName() + " failed", e);
    }

    private int run() throws InterruptedException {
        if (Boolean.getBoolean("procpool.init")) {
            WorkerInit.run(in, serialization, maxFrame, workerId);
        }
        List<Thread> threads = new ArrayList<>();
        java.util.concurrent.CountDownLatch warm = new java.util.concurrent.CountDownLatch(capacity);
        SoloLoop solo = capacity == 1 ? new SoloLoop(this, frames, out, running, tasks) : null;
        for (int i = 0; i < capacity; i++) {
            int slot = i;
            threads.add(thread("procpool-task-" + (i + 1), () -> {
                serialization.prepare();  // a missing allowlisted class fails the start (halted)
                warmUp();
                warm.countDown();
                if (solo != null) {
                    solo.loop(true);  // the warm thread reads first, so it runs the first tasks
                } else {
                    taskLoop(slot);
                }
            }));
        }
        if (solo != null) {
            // the second thread's Kryo is built when it first runs a task
            threads.add(thread("procpool-task-1b", () -> solo.loop(false)));
        }
        warm.await();
        out.send(Protocol.HELLO, 0, Protocol.helloBody(ProcSelf.pid(), capacity,
                "java,kryo," + Protocol.CAP_STARTED));
        long beat = Long.getLong("procpool.heartbeatMillis", 0);
        if (beat > 0) {
            Thread heart = new Thread(() -> {
                while (true) {
                    try {
                        Thread.sleep(beat);
                    } catch (InterruptedException e) {
                        return;
                    }
                    out.send(Protocol.HEARTBEAT, 0, new byte[0]);
                }
            }, "procpool-heartbeat");
            heart.setDaemon(true);
            heart.setUncaughtExceptionHandler(WorkerMain::halted);
            heart.start();
        }
        if (solo != null) {
            PollIn.prepare();  // after HELLO: this thread has nothing else to do
            for (Thread t : threads) {
                t.join();
            }
            return 0;
        }
        Thread poll = new Thread(PollIn::prepare, "procpool-poll-setup");  // after HELLO, beside the reading
        poll.setDaemon(true);
        poll.start();
        boolean graceful = readLoop();
        if (!graceful) {
            tasks.clear();  // the manager is gone: nobody is waiting for what did not start
        }
        for (int i = 0; i < capacity; i++) {
            tasks.addLast(STOP);
        }
        for (Thread t : threads) {
            t.join();
        }
        return 0;
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(null, body, name, Serialization.DECODER_STACK);
        t.setUncaughtExceptionHandler(WorkerMain::halted);
        t.start();
        return t;
    }

    /** Reads frames until SHUTDOWN (true) or end of stream (false). A protocol error ends the worker. */
    private boolean readLoop() {
        try {
            while (true) {
                int type = frames.next();
                switch (type) {
                    case Protocol.TASK -> tasks.addLast(new Held(frames.id, frames.attempt(), frames.body));
                    case Protocol.CANCEL -> cancel(frames.id);
                    case Protocol.SHUTDOWN -> {
                        return true;
                    }
                    default -> frames.protocolError("unexpected " + Protocol.typeName(type));
                }
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** A CANCEL: interrupts the task if it runs, answers it if it waits, else remembers it for a moment. */
    void cancel(long id) {
        synchronized (running) {
            for (Running r : running) {
                if (r != null && r.held.id == id) {
                    r.cancelled = true;
                    r.thread.interrupt();
                    return;
                }
            }
            for (Iterator<Held> it = tasks.iterator(); it.hasNext(); ) {
                Held h = it.next();
                if (h.id == id && tasks.removeFirstOccurrence(h)) {
                    out.send(Protocol.ERROR, id, Protocol.errorBody(CancellationException.class.getName(),
                            "task " + id + " was cancelled before it started", ""));
                    return;
                }
            }
            if (cancelledEarly.size() > 1024) {
                cancelledEarly.clear();  // ids of tasks that had finished before their CANCEL came: stale
            }
            cancelledEarly.add(id);  // taken off the queue by a task thread that has not registered it yet
        }
    }

    /**
     * Runs tasks oldest first. STARTED goes out before a task runs; its answer goes out before the next one starts,
     * in the same write as the next one's STARTED when another task waits.
     */
    private void taskLoop(int slot) {
        Held h = take();
        if (h == STOP || !out.started(h.id)) {
            return;
        }
        while (true) {
            Answer a = answer(h, slot);
            Held next = tasks.pollFirst();
            if (next == null) {
                if (!out.sendAnswer(a.type(), h.id, a.body(), a.length(), -1)) {
                    return;
                }
                next = take();
                if (next == STOP || !out.started(next.id)) {
                    return;
                }
            } else if (next == STOP) {
                out.sendAnswer(a.type(), h.id, a.body(), a.length(), -1);
                return;
            } else if (!out.sendAnswer(a.type(), h.id, a.body(), a.length(), next.id)) {
                return;
            }
            h = next;
        }
    }

    private Held take() {
        while (true) {
            try {
                return tasks.takeFirst();
            } catch (InterruptedException e) {
                // a cancel that came too late for the last task
            }
        }
    }

    /** The warm-up's sample: a record, as most tasks and results are (or hold). */
    private record Sample(int n, String s, List<Object> list) {
    }

    /**
     * Before HELLO, on each task thread: a task and a result round trip through this thread's Kryo, so that Kryo's
     * set-up, its record and closure serializers and the lambda machinery are not paid by the first task (a first
     * record task then takes some 8 ms instead of 20-40 ms). The sample is a lambda that captures a record and
     * returns it, so a record is read and written too. Best effort: with an allowlist the sample is refused, and
     * that is fine.
     */
    private void warmUp() {
        try {
            Sample captured = new Sample(1, "warm", List.of(2L, "up"));
            Task<Sample> sample = () -> captured;
            byte[] b = serialization.serialize(sample, 2);
            Object back = serialization.deserialize(b, 2, b.length - 2);
            serialization.serialize(((Task<?>) back).call());
        } catch (Exception | LinkageError refused) {
            // not needed to work
        }
    }

    /** Runs one task; never throws: whatever happens becomes its RESULT or ERROR, which fits in a frame. */
    Answer answer(Held h, int slot) {
        Running r = new Running(h, Thread.currentThread());
        synchronized (running) {
            running[slot] = r;
            r.cancelled = !cancelledEarly.isEmpty() && cancelledEarly.remove(h.id);
        }
        try {
            Object task;
            try {
                task = serialization.deserialize(h.body, 2, h.body.length - 2);
            } catch (KryoException e) {
                throw Answer.classProblem(e, workerId);
            }
            if (!(task instanceof Task<?> t)) {
                throw new IllegalArgumentException("a TASK must hold an io.procpool.Task, got "
                        + (task == null ? "null" : task.getClass().getName()));
            }
            if (r.cancelled) {
                throw new CancellationException("task " + h.id + " was cancelled before it started");
            }
            Object result = TaskContext.runWith(r, t);
            if (r.cancelled) {
                throw new CancellationException("task " + h.id + " was cancelled");
            }
            com.esotericsoftware.kryo.io.Output body;
            try {
                // written from Kryo's buffer: no copy of the result
                body = results != null ? serialization.encode(result, results) : serialization.encode(result);
            } catch (RuntimeException | StackOverflowError e) {
                throw new IllegalArgumentException("the task's result (" + result.getClass().getName()
                        + ") cannot be serialized: " + e, e);
            }
            return body.position() <= out.maxBody() ? new Answer(Protocol.RESULT, body.getBuffer(), body.position())
                    : new Answer(Protocol.ERROR, out.tooLarge(Protocol.RESULT, h.id, body.position()));
        } catch (Throwable e) {
            if (r.cancelled && !(e instanceof CancellationException)) {
                e = new CancellationException("task " + h.id + " was cancelled (" + e + ")");
            }
            return Answer.error(h.id, e, out);
        } finally {
            synchronized (running) {
                running[slot] = null;
            }
            Thread.interrupted();  // a late cancel must not hit the next task
        }
    }
}
