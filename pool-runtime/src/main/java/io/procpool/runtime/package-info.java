/**
 * The implementation. {@link io.procpool.runtime.TaskPool} is the entry point for pools of worker JVMs; below it
 * one package per layer: {@code process} (spawn, channels, reaping), {@code wire} (protocol and serialization),
 * {@code dispatch} (queue, credits, retries, timeouts) and {@code worker} (the program each worker JVM runs).
 */
package io.procpool.runtime;
