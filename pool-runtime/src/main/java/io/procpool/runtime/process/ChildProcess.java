package io.procpool.runtime.process;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.procpool.ExitStatus;
import io.procpool.MessageTooLargeException;
import io.procpool.ProcessExitedException;
import io.procpool.Signal;
import org.slf4j.Logger;

/**
 * A child process started by a {@link Spawner}: its message channel ({@link #push}/{@link #pop}), its piped
 * standard streams ({@link #write}/{@link #read}), signals ({@link #kill}, {@link #killGroup}) and its exit
 * ({@link #onExit()}, {@link #waitFor()}).
 *
 * <p>The child is reaped by the spawner's I/O thread as soon as it exits; nothing here waits on a dead child:
 * a pop, read, write or push on a child that has exited throws {@link ProcessExitedException} naming its exit
 * status. Thread-safe. {@link #close()} kills the child's process group if it still runs and releases every
 * descriptor; a spawner's {@code close()} closes all its children.
 */
public final class ChildProcess implements AutoCloseable {

    private static final Logger LOG = Logs.logger(ChildProcess.class);

    private final Spawner spawner;
    private final EventLoop loop;
    private final ProcessSpec spec;
    private final int pid;
    private final Pidfd pidfd;
    private final Channel channel;
    private final OutputRelay.Tail tail;
    private final List<OutputRelay> relays;
    private final ChildStdio stdio;
    private final ChildExit exit = new ChildExit();
    private volatile boolean closed;
    private int pidfdToken = -1;
    private volatile boolean released;

    ChildProcess(Spawner spawner, EventLoop loop, ProcessSpec spec, SpawnCall.Started s) {
        this.spawner = spawner;
        this.loop = loop;
        this.spec = spec;
        this.pid = s.pid();
        this.pidfd = new Pidfd(s.pidfd(), spec.name() + "[" + s.pid() + "]");
        this.tail = new OutputRelay.Tail(spec.tailLines());
        this.channel = s.channelFd() >= 0 ? new Channel(this, loop, s.channelFd(), s.ring(), spec) : null;
        this.stdio = new ChildStdio(this, spec, pidfd, exit, loop, s);
        this.relays = OutputRelay.forChild(loop, spec, pid, s.stdoutLog(), s.stderrLog(), tail);
    }

    /** Loop thread: starts watching the child's exit, channel and relayed streams. */
    void startIo() {
        if (released) {
            return;
        }
        pidfdToken = loop.register(pidfd.fd(), Native.EPOLLIN, ev -> reap());
        if (channel != null) {
            channel.start();
        }
        for (OutputRelay r : relays) {
            r.start();
        }
    }

    // ------------------------------------------------------------------------------------------ identity

    /** The child's process id (and process group id: every child leads its own group). */
    public int pid() {
        return pid;
    }

    /** The name used in logs and messages. */
    public String name() {
        return spec.name();
    }

    /** What it was started from. */
    public ProcessSpec spec() {
        return spec;
    }

    @Override
    public String toString() {
        return spec.name() + "[" + pid + "]";
    }

    // ------------------------------------------------------------------------------------------ messages

    /**
     * Sends one whole message on the channel. Returns once the message is sent or queued; waits only while more
     * than 1 MiB is already pending for a child that does not read.
     *
     * @throws MessageTooLargeException when the message is over the channel's {@code maxMessageSize}
     * @throws ProcessExitedException   when the child has exited or closed its end
     */
    public void push(byte[] message) throws InterruptedException {
        push(message, 0, message.length);
    }

    /** Sends {@code length} bytes of {@code message} from {@code offset} as one message. */
    public void push(byte[] message, int offset, int length) throws InterruptedException {
        Objects.checkFromIndexSize(offset, length, message.length);
        String why = channel().push(message, offset, length);
        if (why != null) {
            throw exitedException("push", why);
        }
    }

    /**
     * Appends one message made of {@code head} (its first {@code headLength} bytes) and {@code body}, and sends it
     * only when {@code flush} is true: several messages then go out in one write. Never waits. Meant for the I/O
     * thread's handlers, which batch their replies.
     *
     * @throws ProcessExitedException when the child has exited or closed its end
     */
    public void pushLater(byte[] head, int headLength, byte[] body, boolean flush) {
        String why = channel().append(head, headLength, body, flush);
        if (why != null) {
            throw exitedException("push", why);
        }
    }

    /** Sends the messages {@link #pushLater} left pending. */
    public void flush() {
        channel().flush();
    }

    /**
     * Takes the next message the child sent, waiting as long as it takes while the child lives.
     *
     * @throws ProcessExitedException   once the child has exited (or closed its channel) and every message it sent
     *                                  has been taken
     * @throws MessageTooLargeException for a message over {@code maxMessageSize} (skipped; pop again for the next)
     */
    public byte[] pop() throws InterruptedException {
        return popMessage(-1);
    }

    /** Like {@link #pop()}, but gives up after {@code timeout} and returns empty. */
    public Optional<byte[]> pop(Duration timeout) throws InterruptedException {
        return Optional.ofNullable(popMessage(Math.max(0, timeout.toNanos())));
    }

    private byte[] popMessage(long timeoutNanos) throws InterruptedException {
        Channel ch = channel();
        if (ch.hasHandler()) {
            throw new IllegalStateException(this + " - messages go to the spec's onMessage handler, not to pop()");
        }
        Object m = ch.take(timeoutNanos);
        if (m == Channel.END) {
            throw exitedException("pop", "the child closed its end of the channel");
        }
        if (m instanceof MessageTooLargeException e) {
            throw e;
        }
        return (byte[]) m;
    }

    /**
     * Ends the manager's side of the channel: the child reads end-of-stream (the protocol's "finish what you hold,
     * then exit"), and whatever it still sends is received.
     */
    public void shutdownChannel() {
        Channel ch = channel();
        loop.execute(ch::shutdownOutput);
    }

    private Channel channel() {
        if (channel == null) {
            throw new IllegalStateException(this + " has no message channel (ProcessSpec.Builder.noChannel())");
        }
        return channel;
    }

    // ------------------------------------------------------------------------------------------ standard streams

    /** Writes all of {@code data} to the child's stdin (a {@link Redirect#PIPE}). */
    public void write(byte[] data) throws InterruptedException {
        stdio.write(data, 0, data.length);
    }

    /** Writes {@code length} bytes of {@code data} from {@code offset} to the child's stdin. */
    public void write(byte[] data, int offset, int length) throws InterruptedException {
        stdio.write(data, offset, length);
    }

    /** Closes the child's stdin, so that it reads end-of-file. */
    public void closeStdin() {
        stdio.closeStdin();
    }

    /**
     * Reads what the child wrote to its stdout (a {@link Redirect#PIPE}): at least one byte, waiting for it.
     *
     * @return the number of bytes read, or -1 when the child closed its stdout but keeps running
     * @throws ProcessExitedException when the child has exited and all it wrote has been read
     */
    public int read(byte[] buffer) throws InterruptedException {
        return stdio.readStdout(buffer, 0, buffer.length);
    }

    /** Reads into {@code buffer} from {@code offset}, at most {@code length} bytes; see {@link #read(byte[])}. */
    public int read(byte[] buffer, int offset, int length) throws InterruptedException {
        return stdio.readStdout(buffer, offset, length);
    }

    /** The child's stdout as a stream (a PIPE); it ends (-1) when the child closes stdout or exits. */
    public InputStream stdout() {
        return stdio.stdoutStream();
    }

    /** The child's stderr as a stream (a PIPE); it ends (-1) when the child closes stderr or exits. */
    public InputStream stderr() {
        return stdio.stderrStream();
    }

    /** The child's stdin as a stream (a PIPE); closing it closes the child's stdin. */
    public OutputStream stdin() {
        return stdio.stdinStream();
    }

    // ------------------------------------------------------------------------------------------ signals

    /**
     * Sends a signal to the child through its pidfd (it cannot hit a recycled pid). Signal 0 sends nothing and
     * asks whether the child is alive.
     *
     * @return true when the child was alive and the signal was sent
     */
    public boolean kill(int signal) {
        if (signal < 0 || signal > 64) {
            throw new IllegalArgumentException("signal must be 0..64, was " + signal);
        }
        return !exit.reaped() && pidfd.signal(signal);
    }

    /** Sends a named signal to the child; see {@link #kill(int)}. */
    public boolean kill(Signal signal) {
        return kill(signal.number());
    }

    /**
     * Sends a signal to the child's whole process group: the child and every descendant that did not leave the
     * group. Works after the child itself has exited, for the descendants it left behind.
     *
     * @return true when at least one process received it
     */
    public boolean killGroup(int signal) {
        if (signal < 0 || signal > 64) {
            throw new IllegalArgumentException("signal must be 0..64, was " + signal);
        }
        if (closed && released) {
            return false;
        }
        return Native.POSIX.kill(-pid, signal) == 0;
    }

    /** Sends a named signal to the child's process group; see {@link #killGroup(int)}. */
    public boolean killGroup(Signal signal) {
        return killGroup(signal.number());
    }

    /** True while the child runs (a child that exited and awaits reaping is not alive). */
    public boolean isAlive() {
        return !exit.reaped() && pidfd.alive();
    }

    // ------------------------------------------------------------------------------------------ exit

    /** Completes with the exit status once the child has been reaped (dependent actions run off the I/O thread). */
    public CompletableFuture<ExitStatus> onExit() {
        return exit.future();
    }

    /** The exit status, once the child has been reaped. */
    public Optional<ExitStatus> exitStatus() {
        return exit.status();
    }

    /** Waits until the child has exited and been reaped. */
    public ExitStatus waitFor() throws InterruptedException {
        ExitStatus st = exit.await();
        spawner.waited(this);
        return st;
    }

    /** Waits at most {@code timeout}; empty when the child still runs. */
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        Optional<ExitStatus> st = exit.await(timeout);
        if (st.isPresent()) {
            spawner.waited(this);
        }
        return st;
    }

    /** The last lines the child wrote to its relayed ({@link Redirect#LOG}) streams, oldest first. */
    public List<String> lastLines() {
        return tail.snapshot();
    }

    /** Loop thread: the pidfd is readable, the child has exited. */
    private void reap() {
        ExitStatus st = ChildExit.waitpid(this, pid);
        if (st == null) {
            return;
        }
        loop.deregister(pidfd.fd(), pidfdToken);
        pidfdToken = -1;
        for (OutputRelay relay : relays) {
            relay.drain();
        }
        if (channel != null) {
            channel.onChildExit("the child " + st);
        }
        exit.record(st);
        spawner.reaped(this, st);
        LOG.debug("{} reaped: {}", this, st);
        if (spec.exitHandler() != null) {
            try {
                spec.exitHandler().accept(st);
            } catch (RuntimeException | Error t) {
                Logs.error(LOG, "{} - exit handler failed", this, t);
            }
        }
        exit.completeFuture();
    }

    /** The exception for an {@code operation} that found the child gone, or its end closed while it runs. */
    ProcessExitedException exitedException(String operation, String whyWhenRunning) {
        return exit.exception(this, operation, whyWhenRunning, loop.inLoop(), tail);
    }

    // ------------------------------------------------------------------------------------------ close

    /**
     * Kills the child's process group with SIGKILL if the child still runs, waits until it is reaped, and
     * releases every descriptor. Idempotent. Called on the I/O thread, it returns at once and finishes later.
     */
    @Override
    public void close() {
        if (loop.inLoop()) {
            CompletableFuture.runAsync(this::close);
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            // the group first (the child and what it started), then the child itself in case it left the group;
            // after the child's exit the group may still hold descendants: they go too
            killGroup(Signal.SIGKILL.number());
            kill(Signal.SIGKILL.number());
            boolean interrupted = exit.awaitUninterruptibly();
            closed = true;
            // never holding a pipe while waiting for the I/O thread, whose handlers may want it
            int[] pipeFds = stdio.close();
            loop.executeAndWait(this::release);
            for (int fd : pipeFds) {
                Native.closeQuietly(fd);
            }
            pidfd.close();
            spawner.closed(this);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Loop thread: forgets the child's descriptors and closes those the loop owns (channel, relays). */
    private void release() {
        if (released) {
            return;
        }
        released = true;
        if (pidfdToken >= 0) {
            loop.deregister(pidfd.fd(), pidfdToken);
        }
        if (channel != null) {
            channel.release();
        }
        for (OutputRelay r : relays) {
            r.stop();
        }
    }
}
