package io.procpool.runtime.dispatch;

import java.util.List;

/**
 * Where dispatch gets its jobs: the in-memory bounded queue today ({@link MemoryQueue}), a distributed queue
 * (Redis Streams) for scale-out. Supervision never sees a source; only {@link PoolEngine} calls it.
 *
 * <p>Contracts:
 * <ul>
 * <li><b>Never blocks the I/O thread.</b> Every method but {@link #open}, {@link #queued} and {@link #close} runs on
 *     the pool's I/O thread and must return at once. A source that fetches (network, disk) does so on a thread of
 *     its own and calls the {@code wake} it was opened with when jobs arrive; the engine then polls again.</li>
 * <li><b>Demand.</b> {@link #poll(int)} carries the number of free credits of the ready workers at that moment
 *     (this poll included): a remote source fetches that many ({@code XREADGROUP COUNT = demand}) and should not
 *     hold more than that locally.</li>
 * <li><b>Giving back.</b> A job held by a worker that died before starting it comes back through
 *     {@link #giveBack} with its attempt unchanged; a job retried after its worker crashed while running it comes
 *     back with its attempt already raised by the engine. Either way it goes ahead of fresh jobs, in order.</li>
 * <li><b>Attempts.</b> A source may set a job's first attempt number (Redis: the entry's delivery count) when it
 *     makes the job; the engine charges retries from there up to the job's maxAttempts.</li>
 * <li><b>Completion.</b> A job's outcome (result bytes or an error) goes to the {@link JobSink} the job was made
 *     with, in the completion step (the I/O thread or a completer thread), once; a remote source's sink acks and
 *     replies where the job came from.</li>
 * <li><b>Cancel.</b> A source may stop a job it made ({@link Job#cancel()}: its remote submitter cancelled it, or the
 *     source lost its lease): before the engine took it, the source drops it itself; after, the engine's cancel ladder
 *     stops it as a local {@code cancel(true)} does. Its sink is not told; the source ends it where it came from.</li>
 * <li><b>Events.</b> A worker's progress events go to the job's sink first ({@link JobSink#event}); a remote source
 *     forwards the bytes.</li>
 * <li><b>Stopping.</b> {@code shutdownNow} and a failed pool {@link #drain} what the source holds locally.
 *     shutdownNow hands those tasks back to its caller and cancels their futures (their sinks are not told: a remote
 *     queue keeps them for another node); a failed or terminating pool fails them through their sinks.
 *     {@link #close} runs once, after the pool terminated.</li>
 * </ul>
 */
public interface JobSource {

    /** Any thread, once, before the pool starts: {@code wake} (thread-safe, cheap, idempotent) asks for a poll. */
    void open(Runnable wake);

    /**
     * I/O thread: the next job to run, or null when none is at hand now (never waits).
     *
     * @param demand free credits of the ready workers right now, at least 1
     */
    Job poll(int demand);

    /** I/O thread: jobs a dead worker held that must run again, in their order; they come out before any other. */
    void giveBack(List<Job> jobs);

    /** I/O thread: takes out a job not yet handed out (it was cancelled); false when the source does not hold it. */
    boolean remove(Job job);

    /** I/O thread: whether the source holds no job it could hand out now. */
    boolean isEmpty();

    /** I/O thread: how many jobs the source could hand out now (the backlog that dynamic sizing looks at). */
    int backlog();

    /** Any thread: the jobs waiting, for {@code stats()} and the queued gauge (may lag, as any gauge). */
    int queued();

    /** I/O thread: removes and returns every job the source holds locally (shutdownNow, a failed pool). */
    List<Job> drain();

    /**
     * A JVM shutdown hook's thread, once, when the JVM exits normally (end of main, {@code System.exit}, SIGTERM,
     * Ctrl-C) while the pool runs: may the pool drain rather than stop at once? False, the default: the pool stops its
     * workers at once, as {@code shutdownNow}, so that none outlives the JVM. A source that returns true has stopped
     * taking jobs and handed back what it holds locally (a remote queue keeps those for another node); the pool then
     * takes no new job and lets its workers finish what they hold, up to its {@code shutdownTimeout}, before it stops
     * them. A source that throws is taken to have said false.
     */
    default boolean drainOnJvmExit() {
        return false;
    }

    /** Any thread, once, after the pool terminated: release what the source holds (connections, threads). */
    default void close() {
    }
}
