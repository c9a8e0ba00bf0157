package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.ReentrantLock;

import io.procpool.MessageTooLargeException;
import org.slf4j.Logger;

/**
 * The manager's end of a child's message channel: a CLOEXEC AF_UNIX stream socket carrying whole messages,
 * each a 4-byte big-endian length and that many bytes.
 *
 * <p>Reads happen on the I/O thread only: frames are cut out of one direct buffer and handed to the
 * {@link MessageHandler} in place, or copied into the inbox for {@code pop}. When the inbox is full, reading
 * pauses until {@code pop} has taken half of it (the child then blocks on its own writes: back-pressure).
 * Writes come from any thread, through the {@link ChannelWriter}. This class owns the socket's registration with
 * the I/O thread's epoll set and what it watches for.
 */
final class Channel implements EventLoop.Handler, EventLoop.Poller {

    private static final Logger LOG = Logs.logger(Channel.class);

    /** What {@link #take} returns when the channel has ended and nothing is left. */
    static final Object END = new Object();

    private final ChildProcess owner;
    private final EventLoop loop;
    private final int maxMessage;
    private final int inboxCapacity;
    private final MessageHandler handler;
    private final int fd;
    private final SharedRing ring;  // what the child sends, when it sends through shared memory; else null

    // loop-confined inbound state
    private final Frames frames;
    private final BooleanSupplier paused = () -> this.readPaused && !this.draining;
    private int token = -1;
    private boolean registered;
    private boolean hangup;
    private boolean draining;
    private int interest;

    // the inbox, shared with pop's threads, under lock
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Object> inbox = new ArrayDeque<>();
    private volatile boolean readPaused;
    private volatile boolean inClosed;
    private boolean released;

    private final ChannelWriter writer;

    Channel(ChildProcess owner, EventLoop loop, int fd, SharedRing ring, ProcessSpec spec) {
        this.owner = owner;
        this.loop = loop;
        this.fd = fd;
        this.ring = ring;
        this.maxMessage = spec.maxMessageSize();
        this.inboxCapacity = spec.inboxCapacity();
        this.handler = spec.messageHandler();
        this.writer = new ChannelWriter(fd, loop, this::updateInterest);
        this.frames = new Frames(maxMessage, new Frames.Sink() {
            @Override
            public void message(ByteBuffer frame) {
                deliver(frame);
            }

            @Override
            public void oversize(long size) {
                refuse(size);
            }
        });
    }

    int maxMessage() {
        return maxMessage;
    }

    boolean hasHandler() {
        return handler != null;
    }

    // ---------------------------------------------------------------- writing (any thread): ChannelWriter

    /**
     * Appends one message and sends what the socket takes now.
     *
     * @return null when queued or sent, else why the channel cannot take it (the child closed its end)
     */
    String push(byte[] message, int offset, int length) throws InterruptedException {
        checkSize(length);
        return writer.push(message, offset, length);
    }

    /**
     * Appends one message made of {@code head} and {@code body}; sends only when {@code flush} (or when much is
     * pending). Never waits. For batching on the I/O thread.
     *
     * @return null when queued or sent, else why the channel cannot take it
     */
    String append(byte[] head, int headLength, byte[] body, boolean flush) {
        checkSize((long) headLength + body.length);
        return writer.append(head, headLength, body, flush);
    }

    /** Sends what {@link #append} left pending. */
    void flush() {
        writer.flush();
    }

    private void checkSize(long length) {
        if (length > maxMessage) {
            throw new MessageTooLargeException(owner + " - message of " + length + " bytes refused: the channel's"
                    + " maxMessageSize is " + maxMessage + " (ProcessSpec.Builder.maxMessageSize)", length, maxMessage);
        }
    }

    /** Ends the manager's output once what is pending has been sent: the child reads end-of-stream. */
    void shutdownOutput() {
        writer.shutdownOutput();
    }

    // ---------------------------------------------------------------- reading (pop side, any thread)

    /**
     * Takes the next message (a byte[] or a {@link MessageTooLargeException} to throw), {@link #END} when the
     * channel has ended and is empty, or null when the timeout passed first ({@code timeoutNanos < 0}: no timeout).
     */
    Object take(long timeoutNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long nanos = timeoutNanos;
            while (inbox.isEmpty()) {
                if (inClosed) {
                    return END;
                }
                if (timeoutNanos < 0) {
                    changed.await();
                } else if (nanos <= 0) {
                    return null;
                } else {
                    nanos = changed.awaitNanos(nanos);
                }
            }
            Object m = inbox.pollFirst();
            if (readPaused && inbox.size() <= inboxCapacity / 2) {
                readPaused = false;
                loop.execute(this::updateInterest);
            }
            return m;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- I/O thread

    void start() {
        interest = Native.EPOLLIN;
        token = loop.register(fd, interest, this);
        registered = true;
        if (ring != null) {
            loop.addPoller(this);
        }
    }

    private void updateInterest() {
        if (!registered) {
            if (hangup && !readPaused) {
                readAvailable();
            }
            return;
        }
        int want = (readPaused || inClosed ? 0 : Native.EPOLLIN) | (writer.wantsWritable() ? Native.EPOLLOUT : 0);
        if (want != interest) {
            interest = want;
            loop.modify(fd, want, token);
        }
    }

    @Override
    public void onEvents(int events) {
        if ((events & Native.EPOLLOUT) != 0) {
            writer.onWritable();
        }
        if ((events & (Native.EPOLLHUP | Native.EPOLLERR)) != 0) {
            // the peer is gone; epoll reports a hang-up whatever the interest, so the socket must leave the set
            if (!readPaused) {
                readAvailable();
            }
            if (readPaused || inClosed) {
                hangup = true;
                writer.hangUp();
                loop.deregister(fd, token);
                registered = false;
            }
            return;
        }
        if ((events & Native.EPOLLIN) != 0) {
            read(false);
        }
    }

    /** Loop thread: reads what the socket holds (all of it when the child has exited). */
    void readAvailable() {
        read(true);
    }

    /**
     * Reads what the socket holds. Unless {@code all}, a read that did not fill the buffer ends it: the socket is
     * most likely empty, and epoll (level-triggered) reports what came since; one {@code recv} per wake-up instead of
     * a second one that says EAGAIN.
     */
    private void read(boolean all) {
        if (ring != null) {
            readRing();
            return;
        }
        for (int rounds = 0; rounds < 64 && !inClosed; rounds++) {
            if (readPaused && !draining) {
                updateInterest();
                return;
            }
            int room = frames.room();
            long n = C.recv(fd, frames.freeAddress(), room, Native.MSG_DONTWAIT);
            if (n > 0) {
                frames.added((int) n);
                if (n < room && !all && !hangup) {
                    return;
                }
                continue;
            }
            if (n < 0) {
                int e = Native.errno();
                if (e == Native.EINTR) {
                    continue;
                }
                if (e == Native.EAGAIN) {
                    return;
                }
                if (e != Native.ECONNRESET) {
                    LOG.warn("{} - channel read failed, treating it as closed: {}", owner, Native.strerror(e));
                }
            }
            endedByChild();
            return;
        }
        if (hangup && !inClosed && !readPaused) {
            loop.execute(this::readAvailable);  // no epoll registration is left to call us again
        }
    }

    /** The child closed its end (or broke it): no more input; the handler hears of it unless the child is dead. */
    private void endedByChild() {
        end();
        if (!draining && handler != null) {  // the child ended its channel while it runs
            try {
                handler.onEnd(owner);
            } catch (RuntimeException | Error t) {
                Logs.error(LOG, "{} - message handler failed", owner, t);
            }
        }
    }

    /** Shared-memory mode: the socket holds doorbells only (dropped); its end is the channel's, the ring read out. */
    private void readRing() {
        if (inClosed) {
            return;
        }
        boolean ended = !RingBells.drain(fd);
        if (!pullRing() || ended && !paused.getAsBoolean()) {
            endedByChild();
        }
        // paused at the socket's end, bytes maybe left: the hang-up resumes the reading when pop makes room
    }

    /** Takes what the ring holds; false when the child broke it. */
    private boolean pullRing() {
        if (ring.drainTo(frames, paused)) {
            return true;
        }
        LOG.warn("{} - the child broke its shared channel (a write position out of range); the channel ends", owner);
        return false;
    }

    @Override
    public void poll() {
        if (!inClosed && !pullRing()) {
            endedByChild();
        }
    }

    @Override
    public boolean arm() {
        return !inClosed && !paused.getAsBoolean() && ring.arm();  // paused: the loop waits for pop, not the child
    }

    @Override
    public void disarm() {
        ring.disarm();
    }

    private void deliver(ByteBuffer frame) {
        if (handler != null) {
            try {
                handler.onMessage(owner, frame);
            } catch (RuntimeException | Error t) {
                Logs.error(LOG, "{} - message handler failed; the next message is still delivered", owner, t);
            }
            return;
        }
        byte[] copy = new byte[frame.remaining()];
        frame.get(copy);
        enqueue(copy);
    }

    private void refuse(long size) {
        String msg = owner + " - the child sent a message of " + size + " bytes, over the channel's maxMessageSize of "
                + maxMessage + "; it was skipped";
        if (handler != null) {
            try {
                handler.onOversize(owner, size);
            } catch (RuntimeException | Error t) {
                Logs.error(LOG, "{} - message handler failed", owner, t);
            }
        } else {
            enqueue(new MessageTooLargeException(msg, size, maxMessage));
        }
    }

    private void enqueue(Object item) {
        lock.lock();
        try {
            inbox.addLast(item);
            if (inbox.size() >= inboxCapacity) {
                readPaused = true;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Loop thread: no more input will come (EOF, error, or the child was reaped). */
    void end() {
        lock.lock();
        try {
            if (inClosed) {
                return;
            }
            inClosed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        updateInterest();
    }

    /** Loop thread: the child was reaped; deliver what it sent, then end both directions. */
    void onChildExit(String why) {
        draining = true;  // a dead child's last words are read whatever the inbox holds
        readAvailable();
        draining = false;
        end();
        writer.close(why);
    }

    /** Loop thread: forgets the socket and closes it. */
    void release() {
        lock.lock();
        try {
            if (released) {
                return;
            }
            released = true;
            inClosed = true;
        } finally {
            lock.unlock();
        }
        frames.release();
        writer.close("the channel was closed by the manager");
        if (registered) {
            loop.deregister(fd, token);
            registered = false;
        }
        if (ring != null) {
            loop.removePoller(this);
            ring.unmap();
        }
        C.close(fd);
    }
}
