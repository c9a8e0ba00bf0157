package io.procpool.runtime.worker;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;

import com.esotericsoftware.kryo.KryoException;
import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.runtime.wire.Protocol;
import io.procpool.runtime.wire.Serialization;

/**
 * The program a {@code TaskPool} execs for each JVM worker. It takes its channel at fd 0 with
 * {@code System.inheritedChannel()} (no native code: a cold JVM pays hundreds of milliseconds for any), says
 * HELLO, and runs tasks on {@code capacity} threads. A writer thread sends replies, as many per write as are
 * ready. SHUTDOWN: finish what it holds, reply, exit. End of stream (the manager is gone): finish the tasks in
 * hand, drop the rest, exit.
 *
 * <p>Configured by the pool: environment {@code PROCPOOL_WORKER} (its id); system properties {@code procpool.capacity},
 * {@code procpool.maxFrame}, {@code procpool.allow} (the allowlist, comma separated).
 */
public final class WorkerMain {

    private static final Held STOP = new Held(-1, 0, null);

    private final String workerId;
    private final int capacity;
    private final int maxFrame;
    private final Serialization serialization;
    private final DataInputStream in;
    private final LinkedBlockingDeque<Held> tasks = new LinkedBlockingDeque<>();
    private final LinkedBlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    private final Map<Long, Running> running = new HashMap<>();
    private final java.util.Set<Long> cancelledEarly = new java.util.HashSet<>();
    private final DataOutputStream out;

    private record Held(long id, int attempt, byte[] body) {
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
            reply(Protocol.EVENT, held.id, serialization.serialize(event));
        }
    }

    private WorkerMain(SocketChannel channel, String workerId, int capacity, int maxFrame, List<String> allowed) {
        this.workerId = workerId;
        this.capacity = capacity;
        this.maxFrame = maxFrame;
        this.serialization = new Serialization(allowed, WorkerMain.class.getClassLoader());
        // not Channels.newInputStream/newOutputStream: both lock the channel's blockingLock, so a blocked read
        // would stop every write
        this.in = new DataInputStream(new BufferedInputStream(new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return channel.read(ByteBuffer.wrap(b, off, len));
            }
        }, 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }
        }, 1 << 16));
    }

    public static void main(String[] args) throws Exception {
        if (!(System.inheritedChannel() instanceof SocketChannel channel)) {
            System.err.println("procpool worker: no socket on fd 0. This program is started by a procpool TaskPool,"
                    + " not by hand.");
            System.exit(2);
            return;
        }
        String allow = System.getProperty("procpool.allow", "");
        WorkerMain w = new WorkerMain(channel,
                System.getenv().getOrDefault("PROCPOOL_WORKER", "worker"),
                Integer.getInteger("procpool.capacity", 1),
                Integer.getInteger("procpool.maxFrame", 16 << 20),
                allow.isEmpty() ? List.of() : Arrays.asList(allow.split(",")));
        System.exit(w.run());
    }

    private int run() throws InterruptedException {
        Thread writer = new Thread(this::writeLoop, "procpool-writer");
        writer.start();
        List<Thread> threads = new ArrayList<>();
        java.util.concurrent.CountDownLatch warm = new java.util.concurrent.CountDownLatch(capacity);
        for (int i = 0; i < capacity; i++) {
            Thread t = new Thread(() -> {
                warmUp();
                warm.countDown();
                taskLoop();
            }, "procpool-task-" + (i + 1));
            t.start();
            threads.add(t);
        }
        warm.await();
        reply(Protocol.HELLO, 0, Protocol.helloBody(ProcessHandle.current().pid(), capacity, "java,kryo"));
        long beat = Long.getLong("procpool.heartbeatMillis", 0);
        if (beat > 0) {
            Thread heart = new Thread(() -> {
                while (true) {
                    try {
                        Thread.sleep(beat);
                    } catch (InterruptedException e) {
                        return;
                    }
                    reply(Protocol.HEARTBEAT, 0, new byte[0]);
                }
            }, "procpool-heartbeat");
            heart.setDaemon(true);
            heart.start();
        }
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
        replies.add(new byte[0]);
        writer.join();
        return 0;
    }

    /** Reads frames until SHUTDOWN (true) or end of stream (false). A protocol error ends the worker. */
    private boolean readLoop() {
        try {
            while (true) {
                int len = Protocol.readLength(in);
                if (len < 0) {
                    return false;
                }
                if (len < Protocol.HEADER || len > maxFrame) {
                    protocolError("frame length " + len + " outside " + Protocol.HEADER + ".." + maxFrame);
                }
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                in.readUnsignedShort();
                long id = in.readLong();
                byte[] body = new byte[len - Protocol.HEADER];
                in.readFully(body);
                switch (type) {
                    case Protocol.TASK -> {
                        if (body.length < 2) {
                            protocolError("a TASK of " + body.length + " bytes, without its attempt number");
                        }
                        int attempt = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
                        tasks.addLast(new Held(id, attempt, body));
                    }
                    case Protocol.CANCEL -> cancel(id);
                    case Protocol.SHUTDOWN -> {
                        return true;
                    }
                    default -> protocolError("unexpected " + Protocol.typeName(type));
                }
            }
        } catch (IOException e) {
            return false;
        }
    }

    private void protocolError(String what) {
        System.err.println("procpool worker " + workerId + ": protocol error: " + what);
        System.exit(3);
    }

    private void cancel(long id) {
        synchronized (running) {
            Running r = running.get(id);
            if (r != null) {
                r.cancelled = true;
                r.thread.interrupt();
                return;
            }
            for (Iterator<Held> it = tasks.iterator(); it.hasNext(); ) {
                Held h = it.next();
                if (h.id == id && tasks.removeFirstOccurrence(h)) {
                    reply(Protocol.ERROR, id, Protocol.errorBody(CancellationException.class.getName(),
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

    private void taskLoop() {
        while (true) {
            Held h;
            try {
                h = tasks.takeFirst();
            } catch (InterruptedException e) {
                continue;  // a cancel that came too late for the last task
            }
            if (h == STOP) {
                return;
            }
            runOne(h);
        }
    }

    /**
     * Before HELLO, on each task thread: a task and a result round trip through this thread's Kryo, so that class
     * loading, Kryo's set-up and the lambda machinery (some 30 ms in a cold JVM) are not paid by the first task. Best
     * effort: with an allowlist the sample is refused, and that is fine.
     */
    private void warmUp() {
        try {
            Task<List<Object>> sample = () -> List.of(1, "warm", 2L);
            byte[] b = serialization.serialize(sample, 2);
            Object back = serialization.deserialize(b, 2, b.length - 2);
            serialization.serialize(((Task<?>) back).call());
        } catch (Exception | LinkageError refused) {
            // not needed to work
        }
    }

    private void runOne(Held h) {
        Running r = new Running(h, Thread.currentThread());
        synchronized (running) {
            running.put(h.id, r);
            r.cancelled = cancelledEarly.remove(h.id);
        }
        int type;
        byte[] body;
        try {
            Object task;
            try {
                task = serialization.deserialize(h.body, 2, h.body.length - 2);
            } catch (KryoException e) {
                throw classProblem(e);
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
            try {
                body = serialization.serialize(result);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("the task's result (" + result.getClass().getName()
                        + ") cannot be serialized: " + e.getMessage(), e);
            }
            type = Protocol.RESULT;
        } catch (Throwable e) {
            if (r.cancelled && !(e instanceof CancellationException)) {
                e = new CancellationException("task " + h.id + " was cancelled (" + e + ")");
            }
            type = Protocol.ERROR;
            body = Protocol.errorBody(e);
        } finally {
            synchronized (running) {
                running.remove(h.id);
            }
            Thread.interrupted();  // a late cancel must not hit the next task
        }
        reply(type, h.id, body);
    }

    /** A class the task needs is not on this worker's class path: say which, and how to fix it. */
    private RuntimeException classProblem(KryoException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ClassNotFoundException cnf) {
                return new IllegalStateException("class " + cnf.getMessage() + " is not on worker " + workerId
                        + "'s class path; give the pool a class path that holds it (TaskPool.builder().classpath(...))", e);
            }
        }
        return e;
    }

    private void reply(int type, long id, byte[] body) {
        if (Protocol.HEADER + body.length > maxFrame) {
            // the manager would refuse the frame: say why instead
            String what = Protocol.typeName(type) + " of task " + id + " is " + body.length + " bytes, over the pool's"
                    + " maxMessageSize of " + (maxFrame - Protocol.HEADER) + "; raise TaskPool.Builder.maxMessageSize";
            if (type == Protocol.EVENT) {
                System.err.println("procpool worker " + workerId + ": dropped an event: " + what);
                return;
            }
            type = Protocol.ERROR;
            body = Protocol.errorBody("io.procpool.MessageTooLargeException", what, "");
        }
        byte[] frame = new byte[4 + Protocol.HEADER + body.length];
        int len = Protocol.HEADER + body.length;
        frame[0] = (byte) (len >>> 24);
        frame[1] = (byte) (len >>> 16);
        frame[2] = (byte) (len >>> 8);
        frame[3] = (byte) len;
        Protocol.putHeader(frame, 4, type, id);
        System.arraycopy(body, 0, frame, 4 + Protocol.HEADER, body.length);
        replies.add(frame);
    }

    /** Sends replies, several per write when several are ready; an empty one ends it. */
    private void writeLoop() {
        List<byte[]> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(replies.take());
                replies.drainTo(batch);
                boolean last = false;
                for (byte[] f : batch) {
                    if (f.length == 0) {
                        last = true;
                        break;
                    }
                    out.write(f);
                }
                out.flush();
                batch.clear();
                if (last) {
                    return;
                }
            }
        } catch (IOException e) {
            // the manager is gone; the task threads finish what they hold and the worker exits
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
