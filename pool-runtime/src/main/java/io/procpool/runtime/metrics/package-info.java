/**
 * Micrometer instrumentation of a pool ({@link io.procpool.runtime.metrics.PoolMetrics}, meter names as in
 * docs/metrics.md). It observes and never steers: counters and timers hang off the pool's event stream as a
 * {@link io.procpool.PoolListener}, so they run on the threads that deliver events (worker and dispatch events on
 * the I/O thread, task ends on the completer thread, submissions and rejections on the submitter's); gauges read the
 * engine's published counts, without a lock, on whatever thread the registry scrapes from. Loaded only when a pool
 * is given a registry, so Micrometer stays an optional dependency.
 */
package io.procpool.runtime.metrics;
