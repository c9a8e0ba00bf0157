/**
 * The wire layer: the protocol's message types and header ({@link io.procpool.runtime.wire.Protocol}, see
 * docs/protocol.md) and Kryo serialization of tasks, results and events. Pure JDK plus Kryo, so that a worker JVM
 * loads nothing else.
 */
package io.procpool.runtime.wire;
