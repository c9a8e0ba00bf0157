/**
 * The program a TaskPool execs for each worker JVM ({@link io.procpool.runtime.worker.WorkerMain}). It uses no
 * native code: a cold JVM pays hundreds of milliseconds for any.
 */
package io.procpool.runtime.worker;
