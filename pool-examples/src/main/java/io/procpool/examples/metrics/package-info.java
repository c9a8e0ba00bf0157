/**
 * Exposing a pool's meters to Prometheus: {@link io.procpool.examples.metrics.MetricsEndpoint} serves a Prometheus
 * registry over the JDK's HTTP server, on one thread of its own ({@code metrics-http}), which is also the thread that
 * reads the pool's gauges at each scrape.
 */
package io.procpool.examples.metrics;
