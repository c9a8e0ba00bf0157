/**
 * The README's programs, compiled and run by the tests: {@link io.procpool.examples.QuickStart} (a pool of worker
 * JVMs), {@link io.procpool.examples.ExecQuickStart} (Python and shell workers, a JSON codec, metrics),
 * {@link io.procpool.examples.ProcessDemo} (the process layer alone) and {@link io.procpool.examples.EchoWorker}
 * (the child ProcessDemo talks to). Each is a plain {@code main} on the caller's thread; the pools and spawners it
 * opens run their own I/O threads and are closed before it returns.
 */
package io.procpool.examples;
