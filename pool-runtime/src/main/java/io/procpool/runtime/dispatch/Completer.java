package io.procpool.runtime.dispatch;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

import org.slf4j.Logger;

/**
 * The thread that completes futures, so that no caller's continuation ever runs on the I/O thread. It takes
 * whole batches: one hand-off for all the results one read of the I/O thread brought.
 */
final class Completer {

    private static final Logger LOG = io.procpool.runtime.process.Logs.logger(Completer.class);
    private static final List<Runnable> STOP = List.of();

    private final LinkedBlockingQueue<List<Runnable>> batches = new LinkedBlockingQueue<>();

    Completer(String name) {
        Thread thread = new Thread(this::run, "procpool-complete-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    void hand(List<Runnable> batch) {
        batches.add(batch);
    }

    /** Runs {@code last} after the batches already handed over, then stops. */
    void stop(Runnable last) {
        batches.add(List.of(last));
        batches.add(STOP);
    }

    private void run() {
        while (true) {
            List<Runnable> batch;
            try {
                batch = batches.take();
            } catch (InterruptedException e) {
                continue;
            }
            if (batch == STOP) {
                return;
            }
            for (Runnable r : batch) {
                try {
                    r.run();
                } catch (RuntimeException | Error e) {
                    LOG.error("completing a task future failed", e);
                }
            }
        }
    }
}
