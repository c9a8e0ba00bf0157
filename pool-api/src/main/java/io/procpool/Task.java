package io.procpool;

import java.io.Serializable;

/**
 * A unit of work that runs in a worker JVM and returns a result. Serializable so that a lambda can be one:
 * {@code pool.submit(() -> countWords(path))}; so can a record or a class. Whatever it captures travels with it
 * and must be serializable too; its result travels back.
 *
 * @param <R> the result type ({@code Void} and {@code null} are fine)
 */
@FunctionalInterface
public interface Task<R> extends Serializable {

    /** Runs in the worker. An exception fails the task's future with {@link TaskFailedException}. */
    R call() throws Exception;
}
