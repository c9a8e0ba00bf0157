/**
 * The supervision layer, between dispatch and process. {@link io.procpool.runtime.supervise.Supervisor} runs a pool's
 * workers: it starts them ({@link io.procpool.runtime.supervise.Launcher}, per worker kind: JVM with its class-data
 * sharing archive, protocol, line; spawned off the I/O thread), keeps the slot table
 * ({@link io.procpool.runtime.supervise.Slots}), handles each exit and what takes its place (a successor, a warm
 * spare, or a restart after the back-off; the crash-loop breaker), retires workers at their limits and kills hung ones
 * ({@link io.procpool.runtime.supervise.Recycling}), and sizes the pool ({@link io.procpool.runtime.supervise.Resizing}).
 * One worker process is a {@link io.procpool.runtime.supervise.WorkerProcess} with a single
 * {@link io.procpool.runtime.supervise.WorkerProcess#kill kill(reason, why)}. The rules are pure code with unit tests:
 * {@link io.procpool.runtime.supervise.RestartPolicy}, {@link io.procpool.runtime.supervise.CrashLoopBreaker},
 * {@link io.procpool.runtime.supervise.Sizing}, {@link io.procpool.runtime.supervise.Health}, and the spares' count
 * from the crash rate and their CPU priority while they start ({@link io.procpool.runtime.supervise.Spares}, applied by
 * {@link io.procpool.runtime.supervise.SpareKeeper}). It talks up only through
 * {@link io.procpool.runtime.supervise.Supervised}. Everything here runs on the process layer's I/O thread, its timers
 * included (the spawns and RSS reads on the supervisor's launch thread; the CDS archive files are also touched from the
 * thread that builds a pool); nothing here knows a task.
 */
package io.procpool.runtime.supervise;
