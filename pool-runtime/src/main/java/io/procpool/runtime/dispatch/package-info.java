/**
 * The dispatch layer: the bounded submission queue, credits, in-flight tracking, retries, timeouts, cancels and
 * the completer thread. Everything but submission runs on the process layer's I/O thread, without locks.
 */
package io.procpool.runtime.dispatch;
