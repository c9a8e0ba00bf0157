package io.procpool.runtime.process;

/**
 * A task scheduled on a {@link Spawner}'s I/O thread with {@link Spawner#schedule} or {@link Spawner#scheduleEvery}.
 */
public interface Timeout {

    /**
     * Makes sure the task does not run (again): it is taken off the I/O thread's timers at once on that thread, soon
     * from any other. A task already running completes. Idempotent.
     */
    void cancel();

    /** Whether {@link #cancel()} was called. */
    boolean isCancelled();
}
