/**
 * The implementation. {@link io.procpool.runtime.TaskPool} is the entry point for pools of worker JVMs; below it
 * one package per layer, each calling only down: {@code dispatch} (job source, credits, retries, timeouts, completion),
 * {@code supervise} (worker processes, launching, restart policy, recycling, health), {@code process} (spawn,
 * channels, reaping) and {@code wire} (protocol and serialization); beside them {@code worker} (the program each
 * worker JVM runs), {@code metrics} (Micrometer, observing) and {@code codec}. The facades here run on the caller's
 * thread.
 */
package io.procpool.runtime;
