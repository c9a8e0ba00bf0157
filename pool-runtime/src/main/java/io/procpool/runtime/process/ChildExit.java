package io.procpool.runtime.process;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitStatus;
import io.procpool.ProcessExitedException;
import org.slf4j.Logger;

/**
 * A child's exit as its users see it: the status once the I/O thread has reaped the child, waiting for it, and the
 * {@link ProcessExitedException} that names it (with the child's last output) when an operation finds the child
 * gone. Thread-safe; only the I/O thread records the status.
 */
final class ChildExit {

    private static final Logger LOG = Logs.logger(ChildProcess.class);
    // end-of-stream comes a little before the child is a zombie: how long to give the reaper
    private static final long AFTER_EOF_MILLIS = 1000;

    private final CountDownLatch exited = new CountDownLatch(1);
    private final CompletableFuture<ExitStatus> future = new CompletableFuture<>();
    private volatile ExitStatus status;

    /**
     * I/O thread: reaps {@code pid} (its pidfd is readable) with {@code waitpid}, never blocking.
     *
     * @return its status, or null when it has not exited after all
     */
    static ExitStatus waitpid(ChildProcess child, int pid) {
        int[] raw = new int[1];
        int r;
        do {
            r = Native.POSIX.waitpid(pid, raw, Native.WNOHANG);
        } while (r < 0 && Native.POSIX.errno() == Native.EINTR);
        if (r == 0) {
            return null;  // cannot happen with a readable pidfd, but a spurious wake-up costs nothing
        }
        if (r < 0) {
            // someone else reaped our child: the host called waitpid(-1) or ignores SIGCHLD
            LOG.warn("{} - exited, but its status was taken by another waitpid in this JVM (waitpid(-1)?);"
                    + " reporting it as exited 255", child);
            return ExitStatus.exited(pid, 255);
        }
        return ExitStatus.fromWaitStatus(pid, raw[0]);
    }

    /** I/O thread: the child has been reaped; wakes every waiter. */
    void record(ExitStatus st) {
        status = st;
        exited.countDown();
    }

    /** I/O thread, after {@link #record}: completes {@link #future()} off the I/O thread. */
    void completeFuture() {
        ExitStatus st = status;
        CompletableFuture.runAsync(() -> future.complete(st));
    }

    CompletableFuture<ExitStatus> future() {
        return future;
    }

    Optional<ExitStatus> status() {
        return Optional.ofNullable(status);
    }

    boolean reaped() {
        return status != null;
    }

    ExitStatus await() throws InterruptedException {
        exited.await();
        return status;
    }

    Optional<ExitStatus> await(Duration timeout) throws InterruptedException {
        return exited.await(timeout.toNanos(), TimeUnit.NANOSECONDS) ? Optional.of(status) : Optional.empty();
    }

    /** Waits however long it takes, through interrupts; returns whether the thread was interrupted meanwhile. */
    boolean awaitUninterruptibly() {
        boolean interrupted = false;
        while (true) {
            try {
                exited.await();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    /** After end-of-stream: whether the child is reaped within a moment (never waits on the I/O thread). */
    boolean reapedSoon(boolean onIoThread) throws InterruptedException {
        return !onIoThread && exited.await(AFTER_EOF_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The exception for an {@code operation} that found the child gone (or its end closed while it runs). */
    ProcessExitedException exception(ChildProcess child, String operation, String whyWhenRunning, boolean onIoThread,
                                     OutputRelay.Tail tail) {
        ExitStatus st = status;
        if (st == null && !onIoThread) {
            try {
                exited.await(AFTER_EOF_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            st = status;
        }
        List<String> lines = tail.snapshot();
        StringBuilder msg = new StringBuilder().append(child).append(" - cannot ").append(operation).append(": ");
        msg.append(st != null ? "the child " + st : whyWhenRunning + " (it is still running)");
        if (!lines.isEmpty()) {
            msg.append("; its last output:");
            for (String l : lines) {
                msg.append("\n  ").append(l);
            }
        }
        return new ProcessExitedException(msg.toString(), st, lines);
    }
}
