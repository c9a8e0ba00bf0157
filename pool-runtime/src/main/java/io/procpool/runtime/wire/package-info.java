/**
 * The wire layer: the protocol's message types and header, HELLO and ERROR bodies
 * ({@link io.procpool.runtime.wire.Protocol}, see docs/protocol.md), how a worker's bytes are quoted in messages
 * ({@link io.procpool.runtime.wire.Quoting}), and Kryo serialization of tasks, results and events. Stateless or
 * per-thread: in the manager it runs on the submitter's thread (encoding), the I/O thread (parsing frames) and the
 * completer thread (decoding); in a worker JVM on its reader and task threads. Pure JDK plus Kryo, so that a worker
 * JVM loads nothing else.
 */
package io.procpool.runtime.wire;
