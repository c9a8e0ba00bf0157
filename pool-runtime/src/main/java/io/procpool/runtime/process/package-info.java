/**
 * The process layer: start children with {@code posix_spawnp} ({@link io.procpool.runtime.process.Spawner}),
 * talk to them over a message channel and piped standard streams, signal them, and reap them
 * ({@link io.procpool.runtime.process.ChildProcess}). One epoll I/O thread per spawner serves every child's
 * channel, relayed output and pidfd, and runs the spawner's timers ({@link io.procpool.runtime.process.Spawner#schedule
 * schedule}: the next deadline is its {@code epoll_wait} timeout, so no timer thread hops back to it). This is the
 * only package that calls native code (jnr-ffi and jnr-posix).
 */
package io.procpool.runtime.process;
