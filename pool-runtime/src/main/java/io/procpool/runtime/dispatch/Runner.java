package io.procpool.runtime.dispatch;

import io.procpool.runtime.process.Logs;
import org.slf4j.Logger;

/** A thread of a {@link Completer}: runs its batches; outlives an error of its own (out of memory), batch and all. */
final class Runner extends Thread {

    private static final Logger LOG = Logs.logger(Completer.class);

    final Completer owner;
    /** The batch it runs now, or null: the watchdog hands its rest on when it blocks. */
    volatile CompletionBatch batch;

    Runner(Completer owner, String pool, int n) {
        super(null, null, "procpool-complete-" + pool + (n == 0 ? "" : "-" + (n + 1)),
                io.procpool.runtime.wire.Serialization.DECODER_STACK);
        this.owner = owner;
        setDaemon(true);
    }

    @Override
    public void run() {
        while (true) {
            try {
                owner.loop(this);
                return;
            } catch (Throwable t) {  // out of memory (a wait's node): the thread goes on, its batch too (Completer.loop)
                Logs.error(LOG, "a completion thread failed; it goes on", t);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);  // no hot spin while memory is short
            }
        }
    }
}
