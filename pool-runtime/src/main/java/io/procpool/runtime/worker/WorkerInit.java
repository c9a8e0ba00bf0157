package io.procpool.runtime.worker;

import java.io.DataInputStream;

import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.runtime.wire.Protocol;
import io.procpool.runtime.wire.Serialization;

/**
 * The pool's initializer in a JVM worker: the INIT frame the manager sends first (when the worker was started with
 * {@code -Dprocpool.init=true}) holds a task, which runs once, before HELLO; what it returns is the worker's state
 * ({@link TaskContext#workerState()}). If it fails, the worker prints the stack trace and then the error on stderr (its
 * last line) and exits with {@link #FAILED}: the manager sees a worker that failed to start, with that tail.
 */
final class WorkerInit {

    /** The exit code of a worker whose initializer failed. */
    static final int FAILED = 3;

    private WorkerInit() {
    }

    /** Main thread, before the task threads start. Returns only when the initializer ran; else the JVM exits. */
    static void run(DataInputStream in, Serialization serialization, int maxFrame, String workerId) {
        Object state;
        try {
            int len = Protocol.readLength(in);
            if (len < 0) {
                System.exit(0);  // the manager is gone before it sent anything: nothing to do
            }
            if (len < Protocol.HEADER || len > maxFrame) {
                throw new IllegalStateException("the first frame has length " + len + ", outside " + Protocol.HEADER
                        + ".." + maxFrame);
            }
            int type = in.readUnsignedByte();
            in.skipNBytes(3 + 8);
            byte[] body = new byte[len - Protocol.HEADER];
            in.readFully(body);
            if (type != Protocol.INIT) {
                throw new IllegalStateException("expected INIT first, got " + Protocol.typeName(type));
            }
            Object task = serialization.deserialize(body, 0, body.length);
            if (!(task instanceof Task<?> t)) {
                throw new IllegalStateException("the initializer is not an io.procpool.Task: "
                        + (task == null ? "null" : task.getClass().getName()));
            }
            state = TaskContext.runWith(new Context(workerId), t);
        } catch (Throwable e) {
            failed(e);
            return;
        }
        TaskContext.initWorkerState(state);
    }

    private static void failed(Throwable e) {
        try {
            e.printStackTrace();
            System.err.println("procpool worker: the pool's initializer failed: " + e);
            System.err.flush();
        } finally {
            Runtime.getRuntime().halt(FAILED);
        }
    }

    /** The initializer's context: task id 0, no events (nobody waits for them), never cancelled. */
    private record Context(String workerId) implements TaskContext {
        @Override
        public long taskId() {
            return 0;
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void emit(Object event) {
            throw new IllegalStateException("an initializer cannot emit events: no caller waits for them");
        }
    }
}
