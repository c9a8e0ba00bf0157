package io.procpool;

import java.util.Optional;

/**
 * The Linux signals by number and name, so that a death by signal is reported as {@code SIGKILL}, never
 * as a bare {@code 9}. Real-time signals have no constant; {@link #nameOf(int)} names them {@code SIGRTMIN+n}.
 */
public enum Signal {
    SIGHUP(1), SIGINT(2), SIGQUIT(3), SIGILL(4), SIGTRAP(5), SIGABRT(6), SIGBUS(7), SIGFPE(8),
    SIGKILL(9), SIGUSR1(10), SIGSEGV(11), SIGUSR2(12), SIGPIPE(13), SIGALRM(14), SIGTERM(15),
    SIGSTKFLT(16), SIGCHLD(17), SIGCONT(18), SIGSTOP(19), SIGTSTP(20), SIGTTIN(21), SIGTTOU(22),
    SIGURG(23), SIGXCPU(24), SIGXFSZ(25), SIGVTALRM(26), SIGPROF(27), SIGWINCH(28), SIGIO(29),
    SIGPWR(30), SIGSYS(31);

    private static final Signal[] BY_NUMBER = new Signal[32];

    static {
        for (Signal s : values()) {
            BY_NUMBER[s.number] = s;
        }
    }

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    /** The signal's number on Linux. */
    public int number() {
        return number;
    }

    /** The signal with this number, if it has a name here (1 to 31). */
    public static Optional<Signal> of(int number) {
        return number > 0 && number < BY_NUMBER.length ? Optional.of(BY_NUMBER[number]) : Optional.empty();
    }

    /** A readable name for any signal number: {@code SIGTERM}, {@code SIGRTMIN+3}, or {@code signal 77}. */
    public static String nameOf(int number) {
        if (number > 0 && number < BY_NUMBER.length) {
            return BY_NUMBER[number].name();
        }
        if (number >= 34 && number <= 64) {
            return "SIGRTMIN+" + (number - 34);
        }
        return "signal " + number;
    }
}
