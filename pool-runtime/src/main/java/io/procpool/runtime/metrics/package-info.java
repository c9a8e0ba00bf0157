/**
 * Micrometer meters of a pool ({@link io.procpool.runtime.metrics.PoolMetrics}): counters and timers fed as a
 * {@code PoolListener} (on the I/O and completer threads, lock-free), gauges that read a {@code Supplier<PoolStats>}
 * on the registry's scraping thread. It observes the pool; it never steers it. Loaded only when a pool has a registry.
 */
package io.procpool.runtime.metrics;
