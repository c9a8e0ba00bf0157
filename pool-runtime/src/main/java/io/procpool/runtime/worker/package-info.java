/**
 * The program a TaskPool execs for each worker JVM ({@link io.procpool.runtime.worker.WorkerMain}). Capacity 1: two
 * threads take turns ({@link io.procpool.runtime.worker.SoloLoop}): the one that reads a task runs it, the other
 * takes over the reading while a task runs long. Larger capacities: the main thread reads the channel and
 * {@code capacity} task threads run tasks. Either way each task's thread writes its own answer through one
 * {@link io.procpool.runtime.worker.FrameWriter}, frames are read through one
 * {@link io.procpool.runtime.worker.FrameReader}, and a heartbeat thread beats when the pool asks for it. It uses
 * no native code: a cold JVM pays hundreds of milliseconds for any.
 */
package io.procpool.runtime.worker;
