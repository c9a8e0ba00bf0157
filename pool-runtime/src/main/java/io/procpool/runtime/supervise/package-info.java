/**
 * The supervision layer, between dispatch and process: one worker process and its single
 * {@link io.procpool.runtime.supervise.WorkerProcess#kill kill(reason, why)}, launching per worker kind
 * ({@link io.procpool.runtime.supervise.Launcher}: JVM with its class-data sharing archive, protocol, line), and the
 * rules as pure code: the restart policy and back-off ({@link io.procpool.runtime.supervise.RestartPolicy}), the
 * crash-loop breaker, sizing and recycling jitter, health measures, the spares' count from the crash rate and their
 * CPU priority while they start ({@link io.procpool.runtime.supervise.Spares}, applied by
 * {@link io.procpool.runtime.supervise.SpareKeeper}). It talks up only through
 * {@link io.procpool.runtime.supervise.WorkerHandler}. Everything here runs on the process layer's I/O thread
 * (the CDS archive files are also touched from the thread that builds a pool); nothing here knows a task.
 */
package io.procpool.runtime.supervise;
