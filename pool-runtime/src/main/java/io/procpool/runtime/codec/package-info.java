/**
 * Ready-made {@link io.procpool.Codec}s that need a library: {@link io.procpool.runtime.codec.JsonCodec} (Jackson,
 * an optional dependency; nothing else in procpool loads it). A codec holds no pool state: it runs on the thread
 * that encodes or decodes, the submitter's for a task and the completer's for a result, so it must be thread-safe.
 */
package io.procpool.runtime.codec;
