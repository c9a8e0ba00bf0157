package io.procpool;

/**
 * A message is larger than the channel's maximum message size. On push nothing was sent; on receipt the
 * message was skipped and the channel stays usable.
 */
public class MessageTooLargeException extends ProcpoolException {

    private final long size;
    private final int max;

    public MessageTooLargeException(String message, long size, int max) {
        super(message);
        this.size = size;
        this.max = max;
    }

    /** The size of the refused message, in bytes. */
    public long size() {
        return size;
    }

    /** The largest message the channel takes, in bytes. */
    public int max() {
        return max;
    }
}
