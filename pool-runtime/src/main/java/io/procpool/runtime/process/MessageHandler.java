package io.procpool.runtime.process;

import java.nio.ByteBuffer;

/**
 * Receives a child's messages on the I/O thread, in the order the child pushed them. The buffer holds exactly
 * one message between its position and limit and is valid only during the call: copy what you keep. The
 * handler must not block; a handler that throws is logged and the next message still arrives.
 */
@FunctionalInterface
public interface MessageHandler {
    void onMessage(ChildProcess child, ByteBuffer message);

    /**
     * The child sent a message over the channel's maximum size; it was skipped. By default a WARN is logged; a
     * handler that treats it as a protocol error overrides this.
     */
    default void onOversize(ChildProcess child, long size) {
        Logs.logger(MessageHandler.class).warn("{} - the child sent a message of {} bytes,"
                + " over the channel's maxMessageSize; it was skipped", child, size);
    }

    /**
     * The child closed its end of the channel (or the channel broke) while it still runs: no more messages will
     * come. Called at most once, on the I/O thread; not called when the channel ends because the child exited.
     * A child that closes its channel normally exits a moment later; one that lives on holds whatever it was asked
     * to do for good. By default nothing happens.
     */
    default void onEnd(ChildProcess child) {
    }
}
