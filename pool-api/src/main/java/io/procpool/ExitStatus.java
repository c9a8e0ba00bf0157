package io.procpool;

/**
 * How a child process ended: it either exited with a code, or was killed by a signal.
 *
 * <p>Exactly one of the two is meaningful: when {@link #signal()} is not 0 the process was killed and
 * {@link #exitCode()} is 0; otherwise it exited and {@code exitCode} is what it passed to {@code exit}.
 * {@link #toString()} reads {@code exited 7} or {@code killed by SIGKILL (core dumped)}.
 *
 * @param pid        the process id it had
 * @param exitCode   its exit code (0 to 255), or 0 when it was killed by a signal
 * @param signal     the signal that killed it, or 0 when it exited
 * @param coreDumped whether the kernel wrote a core dump
 */
public record ExitStatus(int pid, int exitCode, int signal, boolean coreDumped) implements java.io.Serializable {

    public ExitStatus {
        if (exitCode < 0 || exitCode > 255) {
            throw new IllegalArgumentException("exitCode must be 0..255, was " + exitCode);
        }
        if (signal < 0 || signal > 64) {
            throw new IllegalArgumentException("signal must be 0..64, was " + signal);
        }
        if (signal != 0 && exitCode != 0) {
            throw new IllegalArgumentException("a process killed by a signal has no exit code");
        }
    }

    /** A process that exited with {@code code}. */
    public static ExitStatus exited(int pid, int code) {
        return new ExitStatus(pid, code, 0, false);
    }

    /** A process killed by {@code signal}. */
    public static ExitStatus killed(int pid, int signal, boolean coreDumped) {
        return new ExitStatus(pid, 0, signal, coreDumped);
    }

    /**
     * Decodes a raw {@code waitpid} status word (the glibc {@code WIFEXITED}/{@code WTERMSIG} macros).
     *
     * @throws IllegalArgumentException for a stopped or continued status, which is not an exit
     */
    public static ExitStatus fromWaitStatus(int pid, int status) {
        int low = status & 0x7f;
        if (low == 0) {
            return exited(pid, (status >> 8) & 0xff);
        }
        if (low != 0x7f && status != 0xffff) {
            return killed(pid, low, (status & 0x80) != 0);
        }
        throw new IllegalArgumentException("wait status 0x" + Integer.toHexString(status) + " is not an exit");
    }

    /** True when the process exited (rather than being killed). */
    public boolean exited() {
        return signal == 0;
    }

    /** True when the process was killed by a signal. */
    public boolean signaled() {
        return signal != 0;
    }

    /** True for {@code exit(0)}. */
    public boolean success() {
        return signal == 0 && exitCode == 0;
    }

    /** The shell's convention in one number: the exit code, or 128 + the signal. */
    public int shellCode() {
        return signal == 0 ? exitCode : 128 + signal;
    }

    @Override
    public String toString() {
        if (signal == 0) {
            return "exited " + exitCode;
        }
        return "killed by " + Signal.nameOf(signal) + (coreDumped ? " (core dumped)" : "");
    }
}
