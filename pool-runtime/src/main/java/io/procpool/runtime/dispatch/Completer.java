package io.procpool.runtime.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

import org.slf4j.Logger;

/**
 * The thread that completes futures, so that no caller's continuation ever runs on the I/O thread. It takes
 * whole batches: one hand-off for all the results one read of the I/O thread brought. It also decodes results,
 * so its stack is sized for the deepest object graph the codec lets through. Once stopped, a batch handed to it
 * runs on the caller's thread: nothing handed over is ever dropped.
 */
final class Completer {

    private static final Logger LOG = io.procpool.runtime.process.Logs.logger(Completer.class);
    private static final List<Runnable> STOP = List.of();

    private final LinkedBlockingQueue<List<Runnable>> batches = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Object lock = new Object();
    private boolean stopped;  // guarded by lock

    Completer(String name) {
        // it decodes what workers sent: a stack deep enough for any graph Kryo lets through
        thread = new Thread(null, this::run, "procpool-complete-" + name,
                io.procpool.runtime.wire.Serialization.DECODER_STACK);
        thread.setDaemon(true);
        thread.start();
    }

    void hand(List<Runnable> batch) {
        synchronized (lock) {
            if (!stopped) {
                batches.add(batch);
                return;
            }
        }
        runAll(batch);  // the pool has terminated: a late completion runs here rather than never
    }

    /** Runs {@code last} after the batches already handed over, then stops. */
    void stop(Runnable last) {
        batches.add(List.of(last));
        batches.add(STOP);
    }

    boolean isCurrentThread() {
        return Thread.currentThread() == thread;
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
                List<List<Runnable>> late = new ArrayList<>();
                synchronized (lock) {
                    stopped = true;
                    batches.drainTo(late);
                }
                late.forEach(Completer::runAll);
                return;
            }
            runAll(batch);
        }
    }

    private static void runAll(List<Runnable> batch) {
        for (Runnable r : batch) {
            try {
                r.run();
            } catch (Throwable e) {  // each completion fails its own task on any error; this is the last guard
                LOG.error("completing a task future failed", e);
            }
        }
    }
}
