package io.procpool.runtime.dispatch;

import io.procpool.runtime.metrics.PoolMetrics;

/** A deliberate layering violation, only for {@code LayersCanFailTest}: dispatch naming the metrics layer. */
final class LayeringProbe {

    PoolMetrics metrics;

    private LayeringProbe() {
    }
}
