package io.procpool;

/**
 * How a pool streams a batch ({@code map} and {@code mapResults}): in input order or as tasks complete, and how many
 * tasks it keeps submitted at once. Immutable; {@code MapOptions.DEFAULTS.unordered().inFlight(256)}.
 *
 * <p>Streaming submits lazily, from the thread that consumes the results: at most {@code inFlight} tasks are
 * submitted and not yet consumed, so an input of any length runs in constant memory (the input is read as results
 * are taken). In input order, a slow item holds back the results after it (not the tasks: up to {@code inFlight}
 * keep running); as completed, each result comes as soon as its task ends.
 *
 * @param inOrder  results in input order (default), or as completed
 * @param inFlight tasks submitted and not yet consumed, at most; 0 (default): twice what the pool's workers hold at
 *                 once (max workers × (capacity + prefetch)), at least 2, within what the queue takes (a pool
 *                 with {@code QueueFullPolicy.REJECT}: at most its queue capacity, so that map is never rejected)
 */
public record MapOptions(boolean inOrder, int inFlight) {

    /** In input order, with the default in-flight bound. */
    public static final MapOptions DEFAULTS = new MapOptions(true, 0);

    /** @throws IllegalArgumentException for a negative {@code inFlight} */
    public MapOptions {
        if (inFlight < 0) {
            throw new IllegalArgumentException("inFlight must be >= 1, or 0 for the default; got " + inFlight);
        }
    }

    /** These options, with results as tasks complete. */
    public MapOptions unordered() {
        return new MapOptions(false, inFlight);
    }

    /** These options, with results in input order. */
    public MapOptions ordered() {
        return new MapOptions(true, inFlight);
    }

    /**
     * These options, with at most {@code tasks} submitted and not yet consumed.
     *
     * @throws IllegalArgumentException unless {@code tasks >= 1}
     */
    public MapOptions inFlight(int tasks) {
        if (tasks < 1) {
            throw new IllegalArgumentException("inFlight must be >= 1; got " + tasks);
        }
        return new MapOptions(inOrder, tasks);
    }
}
