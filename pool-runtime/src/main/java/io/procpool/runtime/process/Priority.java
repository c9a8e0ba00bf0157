package io.procpool.runtime.process;

/**
 * CPU priority (nice) of a child's whole process group: every thread of a JVM, which {@code setpriority} with a pid
 * would not reach (on Linux that names one thread). A child spawned by this layer leads its own group, so its
 * group id is its pid; threads it creates later inherit the nice value of the thread that creates them.
 *
 * <p>Raising a nice value is always allowed; lowering it back needs {@code CAP_SYS_NICE} or an {@code RLIMIT_NICE}
 * soft limit of at least {@code 20 - nice}: ask {@link #rlimitNice()} before lowering a child's priority that must
 * come back.
 */
public final class Priority {

    private static final int PRIO_PGRP = 1;
    private static final int RLIMIT_NICE = 13;

    private Priority() {
    }

    /**
     * Sets the nice value of every thread in {@code child}'s process group.
     *
     * @return whether it was set (false: the child is gone, or lowering the value was not permitted)
     */
    public static boolean setGroupNice(ChildProcess child, int nice) {
        if (nice < -20 || nice > 19) {
            throw new IllegalArgumentException("nice must be -20..19, was " + nice);
        }
        return Native.POSIX.setpriority(PRIO_PGRP, child.pid(), nice) == 0;
    }

    /** This process's {@code RLIMIT_NICE} soft limit (the lowest nice value it may set is {@code 20 - limit}). */
    public static long rlimitNice() {
        return Native.POSIX.getrlimit(RLIMIT_NICE).rlimCur();
    }
}
