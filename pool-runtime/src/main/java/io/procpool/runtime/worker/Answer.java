package io.procpool.runtime.worker;

import com.esotericsoftware.kryo.KryoException;
import io.procpool.runtime.wire.Protocol;

/**
 * A task's RESULT or ERROR: the first {@code length} bytes of {@code body} (a RESULT's are its task thread's Kryo
 * buffer, written out before that thread encodes anything else).
 */
record Answer(int type, byte[] body, int length) {

    Answer(int type, byte[] body) {
        this(type, body, body.length);
    }

    /** The ERROR for {@code e}: its message and stack cut to what fits in a frame. */
    static Answer error(long id, Throwable e, FrameWriter out) {
        byte[] body = Protocol.errorBody(e);
        if (body.length > out.maxBody()) {
            body = Protocol.errorBody(e.getClass().getName(), Protocol.clip(e.getMessage(), out.maxBody() / 8),
                    "(the stack trace is left out: the error is over the pool's maxMessageSize)");
            if (body.length > out.maxBody()) {
                body = out.tooLarge(Protocol.ERROR, id, body.length);
            }
        }
        return new Answer(Protocol.ERROR, body);
    }

    /** A class the task needs is not on this worker's class path: say which, and how to fix it. */
    static RuntimeException classProblem(KryoException e, String workerId) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ClassNotFoundException cnf) {
                return new IllegalStateException("class " + cnf.getMessage() + " is not on worker " + workerId
                        + "'s class path; give the pool a class path that holds it (TaskPool.builder().classpath(...))", e);
            }
        }
        return e;
    }
}
