package io.procpool;

import java.time.Duration;
import java.util.Objects;

/**
 * Options for one task, over the pool's defaults: {@code pool.submit(task, TaskOptions.timeout(Duration.ofSeconds(5)))}.
 *
 * @param timeout     how long the task may take once sent to a worker, counted again in full from its start in a
 *                    worker that reports it (JVM workers do); null for the pool's default
 * @param maxAttempts how many workers may die running it before it fails (1 = no retry); 0 for the pool's default
 */
public record TaskOptions(Duration timeout, int maxAttempts) {

    /** The pool's defaults. */
    public static final TaskOptions DEFAULTS = new TaskOptions(null, 0);

    public TaskOptions {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        if (maxAttempts < 0 || maxAttempts > 100) {
            throw new IllegalArgumentException("maxAttempts must be 1..100 (0 = the pool's default), was " + maxAttempts);
        }
    }

    /** Only a timeout. */
    public static TaskOptions timeout(Duration timeout) {
        return new TaskOptions(Objects.requireNonNull(timeout, "timeout"), 0);
    }

    /** These options with {@code maxAttempts}. */
    public TaskOptions withMaxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be 1..100, was " + attempts);
        }
        return new TaskOptions(timeout, attempts);
    }
}
