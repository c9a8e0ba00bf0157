package io.procpool.runtime.dispatch;

/**
 * Where one job's outcome goes: a local {@code TaskFuture} ({@link FutureSink}), or, for a job from a remote source, an
 * ack and a reply where it came from. Called in the completion step (on the I/O thread while callbacks are quick, else
 * on a completer thread: {@link Completions}; it must not block for long), at most once per job with its outcome; a job
 * cancelled through its future before that is not reported again.
 */
public interface JobSink {

    /** The worker answered the job with {@code result}, the RESULT body (undecoded bytes). */
    void succeeded(Job job, byte[] result);

    /** The job failed: the worker's ERROR, a crash past maxAttempts, a timeout, a protocol error, a stop. */
    void failed(Job job, Throwable error);

    /**
     * A progress event of the job ({@code TaskContext.emit}), its bytes undecoded; in the completion step, in order
     * with the job's other events and before its outcome. True when the sink took it (a remote source forwards the
     * bytes to its submitter); false, the default: the pool decodes it for the listeners of the job's future.
     */
    default boolean event(Job job, byte[] body) {
        return false;
    }
}
