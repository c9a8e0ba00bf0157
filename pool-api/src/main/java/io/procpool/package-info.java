/**
 * What callers and task authors compile against: the values ({@link io.procpool.ExitStatus},
 * {@link io.procpool.Signal}) and the exception hierarchy rooted at {@link io.procpool.ProcpoolException}.
 * JDK only: no logging, serialization or metrics types appear here.
 */
package io.procpool;
