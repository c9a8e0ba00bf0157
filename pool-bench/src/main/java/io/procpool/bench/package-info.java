/**
 * JMH microbenchmarks of the per-task path: framing ({@link io.procpool.bench.FramingBench}), Kryo encode and decode
 * of tasks and results ({@link io.procpool.bench.SerializationBench}), a whole pool round trip
 * ({@link io.procpool.bench.RoundTripBench}), the manager's allocation per task
 * ({@link io.procpool.bench.AllocationPerTask}) and CPU per task by thread on both sides
 * ({@link io.procpool.bench.CpuPerTask}), and the 4 KiB echo with a bounded window ({@link io.procpool.bench.EchoWindow}),
 * the last three plain programs. Nothing here runs in the build's tests; run
 * them with {@code java -jar pool-bench/target/benchmarks.jar} (see docs/benchmarks.md). Each benchmark thread owns
 * its state.
 */
package io.procpool.bench;
