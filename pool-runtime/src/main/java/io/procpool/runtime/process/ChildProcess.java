package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
    private static final long EXIT_AFTER_EOF_MILLIS = 1000;
    private static final int POLL_SLICE_MILLIS = 250;

    private final Spawner spawner;
    private final EventLoop loop;
    private final ProcessSpec spec;
    private final int pid;
    private final int pidfd;
    private final Channel channel;
    private final OutputRelay.Tail tail;
    private final List<OutputRelay> relays = new ArrayList<>(2);
    private final Pipe stdin;
    private final Pipe stdout;
    private final Pipe stderr;
    private final CountDownLatch exited = new CountDownLatch(1);
    private final CompletableFuture<ExitStatus> onExit = new CompletableFuture<>();
    private volatile ExitStatus status;
    private volatile boolean closed;
    private int pidfdToken = -1;
    private volatile boolean released;
    // the pidfd is closed only under the write lock, so no signal or poll can reach a recycled descriptor number
    private final java.util.concurrent.locks.ReentrantReadWriteLock pidfdLock =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean pidfdClosed;

    /** One of the caller's pipe ends (stdin to write, stdout or stderr to read), non-blocking. */
    private static final class Pipe {
        final String name;
        volatile int fd;

        Pipe(String name, int fd) {
            this.name = name;
            this.fd = fd;
            if (fd >= 0) {
                C.fcntl(fd, Native.F_SETFL, C.fcntl(fd, Native.F_GETFL, 0) | Native.O_NONBLOCK);
            }
        }
    }

    ChildProcess(Spawner spawner, EventLoop loop, ProcessSpec spec, SpawnCall.Started s) {
        this.spawner = spawner;
        this.loop = loop;
        this.spec = spec;
        this.pid = s.pid();
        this.pidfd = s.pidfd();
        this.tail = new OutputRelay.Tail(spec.tailLines());
        this.channel = s.channelFd() >= 0 ? new Channel(this, loop, s.channelFd(), spec) : null;
        this.stdin = new Pipe("stdin", s.stdinPipe());
        this.stdout = new Pipe("stdout", s.stdoutPipe());
        this.stderr = new Pipe("stderr", s.stderrPipe());
        Logger outLog = Logs.child(spec.name(), false);
        if (s.stdoutLog() >= 0) {
            relays.add(spec.stdoutLines() != null
                    ? new OutputRelay(loop, s.stdoutLog(), outLog, "", tail, spec.stdoutLines(), spec.stdoutEnd(),
                            spec.maxMessageSize())
                    : new OutputRelay(loop, s.stdoutLog(), outLog, "[" + spec.name() + " " + pid + " stdout]", tail));
        }
        if (s.stderrLog() >= 0) {
            relays.add(new OutputRelay(loop, s.stderrLog(), Logs.child(spec.name(), true),
                    "[" + spec.name() + " " + pid + " stderr]", tail));
        }
    }

    /** Loop thread: starts watching the child's exit, channel and relayed streams. */
    void startIo() {
        if (released) {
            return;
        }
        pidfdToken = loop.register(pidfd, Native.EPOLLIN, ev -> reap());
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
        write(data, 0, data.length);
    }

    /** Writes {@code length} bytes of {@code data} from {@code offset} to the child's stdin. */
    public void write(byte[] data, int offset, int length) throws InterruptedException {
        Objects.checkFromIndexSize(offset, length, data.length);
        synchronized (stdin) {
            int done = 0;
            while (done < length) {
                int fd = pipeFd(stdin, spec.stdin());
                short[] rev = await(fd, Native.POLLOUT);
                if (rev == null) {
                    continue;
                }
                if ((rev[0] & Native.POLLOUT) != 0) {
                    byte[] chunk = offset + done == 0 ? data : java.util.Arrays.copyOfRange(data, offset + done, offset + length);
                    long n = C.write(fd, chunk, length - done);
                    if (n > 0) {
                        done += (int) n;
                        continue;
                    }
                    int e = Native.errno();
                    if (n < 0 && (e == Native.EAGAIN || e == Native.EINTR)) {
                        continue;
                    }
                    throw exitedException("write to stdin", "the child closed its stdin");
                }
                if ((rev[0] & (Native.POLLERR | Native.POLLHUP)) != 0) {
                    throw exitedException("write to stdin", "the child closed its stdin");
                }
                throw exitedException("write to stdin", "the child exited");
            }
        }
    }

    /** Closes the child's stdin, so that it reads end-of-file. */
    public void closeStdin() {
        synchronized (stdin) {
            int fd = stdin.fd;
            if (fd >= 0) {
                stdin.fd = -1;
                C.close(fd);
            }
        }
    }

    /**
     * Reads what the child wrote to its stdout (a {@link Redirect#PIPE}): at least one byte, waiting for it.
     *
     * @return the number of bytes read, or -1 when the child closed its stdout but keeps running
     * @throws ProcessExitedException when the child has exited and all it wrote has been read
     */
    public int read(byte[] buffer) throws InterruptedException {
        return read(stdout, spec.stdout(), buffer, 0, buffer.length);
    }

    /** Reads into {@code buffer} from {@code offset}, at most {@code length} bytes; see {@link #read(byte[])}. */
    public int read(byte[] buffer, int offset, int length) throws InterruptedException {
        return read(stdout, spec.stdout(), buffer, offset, length);
    }

    /** The child's stdout as a stream (a PIPE); it ends (-1) when the child closes stdout or exits. */
    public InputStream stdout() {
        pipeFd(stdout, spec.stdout());
        return new PipeInput(stdout, spec.stdout());
    }

    /** The child's stderr as a stream (a PIPE); it ends (-1) when the child closes stderr or exits. */
    public InputStream stderr() {
        pipeFd(stderr, spec.stderr());
        return new PipeInput(stderr, spec.stderr());
    }

    /** The child's stdin as a stream (a PIPE); closing it closes the child's stdin. */
    public OutputStream stdin() {
        pipeFd(stdin, spec.stdin());
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    ChildProcess.this.write(b, off, len);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted writing to " + ChildProcess.this);
                } catch (ProcessExitedException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            @Override
            public void close() {
                closeStdin();
            }
        };
    }

    private final class PipeInput extends InputStream {
        private final Pipe pipe;
        private final Redirect redirect;

        PipeInput(Pipe pipe, Redirect redirect) {
            this.pipe = pipe;
            this.redirect = redirect;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            try {
                return ChildProcess.this.read(pipe, redirect, b, off, len);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted reading from " + ChildProcess.this);
            } catch (ProcessExitedException e) {
                return -1;
            }
        }
    }

    private int read(Pipe pipe, Redirect redirect, byte[] buffer, int offset, int length) throws InterruptedException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (length == 0) {
            return 0;
        }
        synchronized (pipe) {
            while (true) {
                int fd = pipeFd(pipe, redirect);
                short[] rev = await(fd, Native.POLLIN);
                if (rev == null) {
                    continue;
                }
                if (rev[0] != 0) {
                    // jnr copies the whole array back: read into one of exactly `length` bytes, keep the rest intact
                    byte[] into = offset == 0 && length == buffer.length ? buffer : new byte[length];
                    long n = C.read(fd, into, length);
                    if (n > 0) {
                        if (into != buffer) {
                            System.arraycopy(into, 0, buffer, offset, (int) n);
                        }
                        return (int) n;
                    }
                    int e = Native.errno();
                    if (n < 0 && (e == Native.EAGAIN || e == Native.EINTR)) {
                        continue;
                    }
                    // end of stream: the child closed it, and is most likely about to exit
                    if (!loop.inLoop() && exited.await(EXIT_AFTER_EOF_MILLIS, TimeUnit.MILLISECONDS)) {
                        throw exitedException("read " + pipe.name, "");
                    }
                    return -1;
                }
                // the child exited and nothing is left to read (a descendant may still hold the pipe open)
                throw exitedException("read " + pipe.name, "the child exited");
            }
        }
    }

    /**
     * Polls the pipe and the pidfd until one is ready; null after a slice (so that interrupts are seen).
     * revents[1] != 0 means the child has exited.
     */
    private short[] await(int fd, short events) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        pidfdLock.readLock().lock();
        try {
            if (closed || pidfdClosed) {
                throw new IllegalStateException(this + " is closed");
            }
            return Native.poll(fd, events, pidfd, Native.POLLIN, POLL_SLICE_MILLIS);
        } finally {
            pidfdLock.readLock().unlock();
        }
    }

    private int pipeFd(Pipe pipe, Redirect redirect) {
        int fd = pipe.fd;
        if (fd < 0) {
            if (redirect.kind() != Redirect.Kind.PIPE) {
                throw new IllegalStateException(this + " - " + pipe.name + " is " + redirect + ", not PIPE");
            }
            throw new IllegalStateException(this + " - " + pipe.name + " was closed");
        }
        return fd;
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
        pidfdLock.readLock().lock();
        try {
            if (!aliveLocked()) {
                return false;
            }
            return signal == 0 || Native.pidfdSendSignal(pidfd, signal) == 0;
        } finally {
            pidfdLock.readLock().unlock();
        }
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
        pidfdLock.readLock().lock();
        try {
            return aliveLocked();
        } finally {
            pidfdLock.readLock().unlock();
        }
    }

    private boolean aliveLocked() {
        if (status != null || pidfdClosed) {
            return false;
        }
        short[] rev = Native.poll(pidfd, Native.POLLIN, -1, (short) 0, 0);  // a readable pidfd: it has exited
        return rev == null || rev[0] == 0;
    }

    // ------------------------------------------------------------------------------------------ exit

    /** Completes with the exit status once the child has been reaped (dependent actions run off the I/O thread). */
    public CompletableFuture<ExitStatus> onExit() {
        return onExit;
    }

    /** The exit status, once the child has been reaped. */
    public Optional<ExitStatus> exitStatus() {
        return Optional.ofNullable(status);
    }

    /** Waits until the child has exited and been reaped. */
    public ExitStatus waitFor() throws InterruptedException {
        exited.await();
        spawner.waited(this);
        return status;
    }

    /** Waits at most {@code timeout}; empty when the child still runs. */
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        if (exited.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            spawner.waited(this);
            return Optional.of(status);
        }
        return Optional.empty();
    }

    /** The last lines the child wrote to its relayed ({@link Redirect#LOG}) streams, oldest first. */
    public List<String> lastLines() {
        return tail.snapshot();
    }

    /** Loop thread: the pidfd is readable, the child has exited. */
    private void reap() {
        int[] raw = new int[1];
        int r;
        do {
            r = Native.POSIX.waitpid(pid, raw, Native.WNOHANG);
        } while (r < 0 && Native.POSIX.errno() == Native.EINTR);
        if (r == 0) {
            return;  // not yet (cannot happen with a readable pidfd, but a spurious wake-up costs nothing)
        }
        ExitStatus st;
        if (r < 0) {
            // someone else reaped our child: the host called waitpid(-1) or ignores SIGCHLD
            LOG.warn("{} - exited, but its status was taken by another waitpid in this JVM (waitpid(-1)?);"
                    + " reporting it as exited 255", this);
            st = ExitStatus.exited(pid, 255);
        } else {
            st = ExitStatus.fromWaitStatus(pid, raw[0]);
        }
        loop.deregister(pidfd, pidfdToken);
        pidfdToken = -1;
        for (OutputRelay relay : relays) {
            relay.drain();
        }
        if (channel != null) {
            channel.onChildExit("the child " + st);
        }
        status = st;
        exited.countDown();
        spawner.reaped(this, st);
        LOG.debug("{} reaped: {}", this, st);
        if (spec.exitHandler() != null) {
            try {
                spec.exitHandler().accept(st);
            } catch (RuntimeException | Error t) {
                LOG.error("{} - exit handler failed", this, t);
            }
        }
        CompletableFuture.runAsync(() -> onExit.complete(st));
    }

    ProcessExitedException exitedException(String operation, String whyWhenRunning) {
        ExitStatus st = status;
        if (st == null && !loop.inLoop()) {
            try {
                // end-of-stream comes a little before the child is a zombie: give the reaper a moment
                exited.await(EXIT_AFTER_EOF_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            st = status;
        }
        List<String> lines = tail.snapshot();
        StringBuilder msg = new StringBuilder().append(this).append(" - cannot ").append(operation).append(": ");
        msg.append(st != null ? "the child " + st : whyWhenRunning + " (it is still running)");
        if (!lines.isEmpty()) {
            msg.append("; its last output:");
            for (String l : lines) {
                msg.append("\n  ").append(l);
            }
        }
        return new ProcessExitedException(msg.toString(), st, lines);
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
            boolean interrupted = false;
            while (true) {
                try {
                    exited.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            closed = true;
            // readers and writers see the exit within one poll and leave; take each pipe from them in turn
            // (never holding one while waiting for the I/O thread, whose handlers may want it)
            int[] pipeFds = new int[3];
            Pipe[] pipes = {stdin, stdout, stderr};
            for (int i = 0; i < 3; i++) {
                synchronized (pipes[i]) {
                    pipeFds[i] = pipes[i].fd;
                    pipes[i].fd = -1;
                }
            }
            loop.executeAndWait(this::release);
            for (int fd : pipeFds) {
                Native.closeQuietly(fd);
            }
            pidfdLock.writeLock().lock();
            try {
                pidfdClosed = true;
                C.close(pidfd);
            } finally {
                pidfdLock.writeLock().unlock();
            }
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
            loop.deregister(pidfd, pidfdToken);
        }
        if (channel != null) {
            channel.release();
        }
        for (OutputRelay r : relays) {
            r.stop();
        }
    }
}
