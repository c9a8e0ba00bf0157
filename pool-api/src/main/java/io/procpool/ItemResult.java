package io.procpool;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * The outcome of one item of a streamed batch ({@code mapResults}): the item, its position in the input, and
 * either its result or the failure of its task. A failure here is a value, not a thrown exception, so that a batch
 * of a million items can carry on past the few that fail.
 *
 * @param item   what was submitted for it (the task, or the ExecPool input)
 * @param index  its position in the input, from 0
 * @param value  the result; null on failure (or when the task returned null)
 * @param error  why its task failed ({@link TaskFailedException}, {@link WorkerCrashedException},
 *               {@link TaskTimeoutException}, {@link CancellationException}, ...); null on success
 * @param <T>    what was submitted
 * @param <R>    the result type
 */
public record ItemResult<T, R>(T item, long index, R value, Throwable error) {

    /** Whether its task succeeded. */
    public boolean isSuccess() {
        return error == null;
    }

    /**
     * The result, or the failure thrown: a {@link RuntimeException} as it is (every procpool failure is one), a
     * {@link CancellationException} as it is, anything else wrapped in a {@link CompletionException}.
     */
    public R getOrThrow() {
        if (error == null) {
            return value;
        }
        if (error instanceof RuntimeException e) {
            throw e;
        }
        if (error instanceof Error e) {
            throw e;
        }
        throw new CompletionException(error);
    }
}
