package io.procpool.redis;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The Redis writes a node makes without waiting (completions, events, acks, delivery counts): many are in flight on
 * its command connection at once, in the order they were sent; each outcome is looked at on a Lettuce thread.
 */
final class Sends {

    private Sends() {
    }

    /** Sends {@code call} now; {@code then} sees its outcome, or the exception that stopped it from being sent. */
    static <T> void send(Supplier<CompletableFuture<T>> call, BiConsumer<T, Throwable> then) {
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException x) {
            f = CompletableFuture.failedFuture(x);
        }
        f.whenComplete(then);
    }
}
