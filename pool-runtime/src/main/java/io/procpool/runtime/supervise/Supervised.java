package io.procpool.runtime.supervise;

import java.nio.ByteBuffer;
import java.util.List;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;

/**
 * What the {@link Supervisor} asks of and tells the layer above (dispatch), its one way up: workers to make, what
 * they say, which became ready, which died holding work, and the pool's phase. Shaped like
 * {@link io.procpool.runtime.process.MessageHandler}. I/O thread.
 *
 * @param <W> the concrete worker type
 */
public interface Supervised<W extends WorkerProcess<W>> {

    /** The pool's phase as supervision needs it; whether it failed is {@link #failed()}. */
    enum Phase {
        /** build() waits for the first workers. */
        STARTING,
        /** Serving. */
        RUNNING,
        /** Shut down with work left: workers still run it, and a dead one is still replaced. */
        DRAINING,
        /** Shut down with nothing left, or stopped: workers end and none is replaced. */
        STOPPED
    }

    /** A worker of the concrete type for {@code slot} (-1 for a spare). */
    W newWorker(int slot, String id);

    /** {@code w} was spawned and put in its slot or aside (a line-mode worker is ready at once). */
    void spawned(W w);

    /** A whole frame from {@code w}'s channel; valid only during the call. */
    void message(W w, ByteBuffer message);

    /** Line mode: a line from {@code w}'s stdout. */
    void line(W w, String line);

    /** The workers changed (one became ready, took a slot, left): count them again, and dispatch. */
    void changed();

    /**
     * {@code w} exited: what it held goes back to the source or fails. {@code why} is its status, the kill reason
     * and its last output, for messages.
     */
    void lost(W w, ExitStatus status, ExitReason reason, List<String> tail);

    /** An exit was handled (or a delayed restart found nothing to do): the pool may have stopped now. */
    void settled();

    /** Tells {@code w} to finish: end of its input (line mode: its stdin, once its requests are written). */
    void endInput(W w);

    Phase phase();

    /** Whether the pool failed (a worker could not start while it started, or the crash-loop breaker tripped). */
    boolean failed();

    /** A worker could not start while the pool starts: build() fails with {@code why}. */
    void startFailed(String why);

    /** The crash-loop breaker tripped: the pool fails with {@code why}. */
    void failPool(String why);
}
