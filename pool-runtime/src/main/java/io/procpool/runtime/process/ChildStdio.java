package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

import io.procpool.ProcessExitedException;

/**
 * A child's piped standard streams as its caller uses them: blocking writes to stdin and reads from stdout or
 * stderr on the caller's thread, never the I/O thread's. Each wait polls the pipe together with the child's pidfd
 * (in slices, so that interrupts are seen): a child that exits ends the wait. One lock per pipe; {@link #close}
 * takes each pipe from its users in turn when the child is closed. The public face is {@link ChildProcess}.
 */
final class ChildStdio {

    private static final int POLL_SLICE_MILLIS = 250;

    /** One of the caller's pipe ends (stdin to write, stdout or stderr to read), non-blocking. */
    private static final class Pipe {
        final String name;
        final Redirect redirect;
        volatile int fd;

        Pipe(String name, Redirect redirect, int fd) {
            this.name = name;
            this.redirect = redirect;
            this.fd = fd;
            if (fd >= 0) {
                C.fcntl(fd, Native.F_SETFL, C.fcntl(fd, Native.F_GETFL, 0) | Native.O_NONBLOCK);
            }
        }
    }

    private final ChildProcess child;
    private final Pidfd pidfd;
    private final ChildExit exit;
    private final EventLoop loop;
    private final Pipe stdin;
    private final Pipe stdout;
    private final Pipe stderr;
    private volatile boolean closed;

    ChildStdio(ChildProcess child, ProcessSpec spec, Pidfd pidfd, ChildExit exit, EventLoop loop,
               SpawnCall.Started s) {
        this.child = child;
        this.pidfd = pidfd;
        this.exit = exit;
        this.loop = loop;
        this.stdin = new Pipe("stdin", spec.stdin(), s.stdinPipe());
        this.stdout = new Pipe("stdout", spec.stdout(), s.stdoutPipe());
        this.stderr = new Pipe("stderr", spec.stderr(), s.stderrPipe());
    }

    void write(byte[] data, int offset, int length) throws InterruptedException {
        Objects.checkFromIndexSize(offset, length, data.length);
        synchronized (stdin) {
            int done = 0;
            while (done < length) {
                int fd = pipeFd(stdin);
                short[] rev = await(fd, Native.POLLOUT);
                if (rev == null) {
                    continue;
                }
                if ((rev[0] & Native.POLLOUT) != 0) {
                    byte[] chunk = offset + done == 0 ? data : Arrays.copyOfRange(data, offset + done, offset + length);
                    long n = C.write(fd, chunk, length - done);
                    if (n > 0) {
                        done += (int) n;
                        continue;
                    }
                    int e = Native.errno();
                    if (n < 0 && (e == Native.EAGAIN || e == Native.EINTR)) {
                        continue;
                    }
                    throw child.exitedException("write to stdin", "the child closed its stdin");
                }
                if ((rev[0] & (Native.POLLERR | Native.POLLHUP)) != 0) {
                    throw child.exitedException("write to stdin", "the child closed its stdin");
                }
                throw child.exitedException("write to stdin", "the child exited");
            }
        }
    }

    void closeStdin() {
        synchronized (stdin) {
            int fd = stdin.fd;
            if (fd >= 0) {
                stdin.fd = -1;
                C.close(fd);
            }
        }
    }

    int readStdout(byte[] buffer, int offset, int length) throws InterruptedException {
        return read(stdout, buffer, offset, length);
    }

    InputStream stdoutStream() {
        pipeFd(stdout);
        return new PipeInput(stdout);
    }

    InputStream stderrStream() {
        pipeFd(stderr);
        return new PipeInput(stderr);
    }

    OutputStream stdinStream() {
        pipeFd(stdin);
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    ChildStdio.this.write(b, off, len);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted writing to " + child);
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

    /**
     * Once the child has been reaped: ends every wait, takes each pipe from its users in turn (readers and writers
     * see the exit within one poll and leave) and returns their descriptors (stdin, stdout, stderr; -1 for none) for
     * the caller to close. Never call it while holding something the I/O thread's handlers may want.
     */
    int[] close() {
        closed = true;
        int[] fds = new int[3];
        Pipe[] pipes = {stdin, stdout, stderr};
        for (int i = 0; i < 3; i++) {
            synchronized (pipes[i]) {
                fds[i] = pipes[i].fd;
                pipes[i].fd = -1;
            }
        }
        return fds;
    }

    private final class PipeInput extends InputStream {
        private final Pipe pipe;

        PipeInput(Pipe pipe) {
            this.pipe = pipe;
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
                return ChildStdio.this.read(pipe, b, off, len);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted reading from " + child);
            } catch (ProcessExitedException e) {
                return -1;
            }
        }
    }

    private int read(Pipe pipe, byte[] buffer, int offset, int length) throws InterruptedException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (length == 0) {
            return 0;
        }
        synchronized (pipe) {
            while (true) {
                int fd = pipeFd(pipe);
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
                    if (exit.reapedSoon(loop.inLoop())) {
                        throw child.exitedException("read " + pipe.name, "");
                    }
                    return -1;
                }
                // the child exited and nothing is left to read (a descendant may still hold the pipe open)
                throw child.exitedException("read " + pipe.name, "the child exited");
            }
        }
    }

    /** Polls the pipe and the pidfd until one is ready; null after a slice. revents[1] != 0: the child has exited. */
    private short[] await(int fd, short events) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (closed) {
            throw new IllegalStateException(child + " is closed");
        }
        return pidfd.pollWith(fd, events, POLL_SLICE_MILLIS);
    }

    private int pipeFd(Pipe pipe) {
        int fd = pipe.fd;
        if (fd < 0) {
            if (pipe.redirect.kind() != Redirect.Kind.PIPE) {
                throw new IllegalStateException(child + " - " + pipe.name + " is " + pipe.redirect + ", not PIPE");
            }
            throw new IllegalStateException(child + " - " + pipe.name + " was closed");
        }
        return fd;
    }
}
