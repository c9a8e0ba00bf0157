/**
 * Ready-made codecs for {@code ExecPool} messages ({@link io.procpool.runtime.codec.JsonCodec}); they run on the
 * submitter's thread (encoding) and the completer thread (decoding).
 */
package io.procpool.runtime.codec;
