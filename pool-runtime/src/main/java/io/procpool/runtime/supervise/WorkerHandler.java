package io.procpool.runtime.supervise;

import java.nio.ByteBuffer;

import io.procpool.ExitStatus;

/**
 * How supervision talks up: what one worker process said and did, shaped like the process layer's
 * {@code MessageHandler}, with the worker instead of its child. Every call comes on the I/O thread, in the order the
 * worker did things; none may block.
 *
 * @param <W> the concrete worker type
 */
public interface WorkerHandler<W extends WorkerProcess<W>> {

    /** A whole frame from the worker's channel; valid only during the call. */
    void onMessage(W worker, ByteBuffer message);

    /** Line mode: a line from the worker's stdout, without its newline. */
    void onLine(W worker, String line);

    /** The worker sent a frame of {@code size} bytes, over maxMessageSize; it was skipped. */
    void onOversize(W worker, long size);

    /** The worker's channel ({@code what} = "channel"), or in line mode its stdout ("stdout"), ended while it runs. */
    void onChannelEnd(W worker, String what);

    /** The worker exited and was reaped. */
    void onExit(W worker, ExitStatus status);
}
