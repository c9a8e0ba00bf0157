package io.procpool.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.RedisCodec;

/**
 * The Lua scripts (resources next to this class), run by their SHA1 with a fallback to EVAL when the server does not
 * know them (a restarted Redis has an empty script cache).
 */
final class Scripts {

    /** Keys as UTF-8 strings, values as bytes: task bodies and results are opaque ({@link BytesCodec}). */
    static final RedisCodec<String, byte[]> CODEC = BytesCodec.INSTANCE;

    static final Script COMPLETE = load("complete.lua");
    static final Script RENEW = load("renew.lua");
    static final Script REDELIVER = load("redeliver.lua");
    static final Script FORGET = load("forget.lua");
    static final Script REQUEUE = load("requeue.lua");
    static final Script RELEASE = load("release.lua");
    static final Script CANCEL = load("cancel.lua");
    static final Script COMPLETE_BATCH = load("complete_batch.lua");
    static final Script ADD_BATCH = load("add_batch.lua");
    static final Script MISSING = load("missing.lua");

    private Scripts() {
    }

    /** One script: its text and SHA1. */
    record Script(String name, String text, String sha) {

        <T> T run(RedisCommands<String, byte[]> redis, ScriptOutputType type, String[] keys, List<byte[]> args) {
            byte[][] a = args.toArray(new byte[0][]);
            try {
                return redis.evalsha(sha, type, keys, a);
            } catch (RedisNoScriptException e) {
                return redis.eval(text, type, keys, a);
            }
        }
    }

    /**
     * As {@link Script#run}, without waiting: for the completions, so that many are in flight on the connection at
     * once. The result arrives on a Lettuce I/O thread.
     */
    static <T> java.util.concurrent.CompletableFuture<T> runAsync(Script script,
            io.lettuce.core.api.async.RedisAsyncCommands<String, byte[]> redis, ScriptOutputType type, String[] keys,
            List<byte[]> args) {
        byte[][] a = args.toArray(new byte[0][]);
        java.util.concurrent.CompletableFuture<T> out = new java.util.concurrent.CompletableFuture<>();
        redis.<T>evalsha(script.sha(), type, keys, a).whenComplete((v, e) -> {
            if (e == null) {
                out.complete(v);
            } else if (e instanceof RedisNoScriptException
                    || e.getCause() instanceof RedisNoScriptException) {
                redis.<T>eval(script.text(), type, keys, a).whenComplete((v2, e2) -> {
                    if (e2 == null) {
                        out.complete(v2);
                    } else {
                        out.completeExceptionally(e2);
                    }
                });
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** One stream to read, as the array Lettuce's varargs take (a generic varargs call would be an unchecked warning). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static io.lettuce.core.XReadArgs.StreamOffset<String>[] one(io.lettuce.core.XReadArgs.StreamOffset<String> offset) {
        return new io.lettuce.core.XReadArgs.StreamOffset[] {offset};
    }

    private static Script load(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("script " + name + " is missing from the pool-redis jar");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Script(name, text, sha1(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(40);
            for (byte b : d) {
                sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
