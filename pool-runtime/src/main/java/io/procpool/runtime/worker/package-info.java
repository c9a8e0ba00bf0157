/**
 * The program a TaskPool execs for each worker JVM ({@link io.procpool.runtime.worker.WorkerMain}): its main thread
 * reads the channel, {@code capacity} task threads run tasks and write their own answers through one
 * {@link io.procpool.runtime.worker.FrameWriter}, and a heartbeat thread beats when the pool asks for it. It uses
 * no native code: a cold JVM pays hundreds of milliseconds for any.
 */
package io.procpool.runtime.worker;
