/**
 * The benchmark harnesses behind docs/benchmarks.md: the process layer
 * ({@link io.procpool.examples.bench.ProcessBench}), TaskPool throughput and start-up
 * ({@link io.procpool.examples.bench.PoolBench}), JVM-free workers ({@link io.procpool.examples.bench.ExecBench}),
 * recovery from crashes ({@link io.procpool.examples.bench.RecoveryBench}) and the cost of metrics
 * ({@link io.procpool.examples.bench.MetricsBench}). Each is a {@code main} that drives its pools from the calling
 * thread, measures the variants it compares side by side in one run and prints medians: speed goals live here,
 * never in the tests.
 */
package io.procpool.examples.bench;
