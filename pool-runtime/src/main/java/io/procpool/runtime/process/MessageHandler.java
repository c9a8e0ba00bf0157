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
}
