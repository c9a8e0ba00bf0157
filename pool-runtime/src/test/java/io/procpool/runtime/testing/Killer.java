package io.procpool.runtime.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolListener;
import io.procpool.WorkerInfo;

/**
 * Chaos: a listener that knows which workers are ready (said HELLO) and a thread that SIGKILLs a random one of them
 * at a fixed pace, counting the kills that hit.
 */
public final class Killer implements PoolListener {

    private final Set<Integer> ready = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger kills = new AtomicInteger();
    private final Duration pace;
    private Thread thread;

    public Killer(Duration pace) {
        this.pace = pace;
    }

    @Override
    public void workerReady(WorkerInfo worker, Duration startup) {
        ready.add(worker.pid());
    }

    @Override
    public void workerExited(WorkerInfo worker, ExitStatus status, ExitReason reason) {
        ready.remove(worker.pid());
    }

    /** Starts killing. */
    public void start() {
        thread = new Thread(() -> {
            while (!stop.get()) {
                LockSupport.parkNanos(pace.toNanos());  // the pace of the chaos, not a wait
                List<Integer> live = new ArrayList<>(ready);
                if (live.isEmpty() || stop.get()) {
                    continue;
                }
                int pid = live.get(ThreadLocalRandom.current().nextInt(live.size()));
                if (ready.remove(pid) && ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                    kills.incrementAndGet();
                }
            }
        }, "killer");
        thread.start();
    }

    /** Stops killing; returns once the thread is done. */
    public void close() throws InterruptedException {
        stop.set(true);
        if (thread != null) {
            thread.join();
        }
    }

    /** Workers killed so far. */
    public int kills() {
        return kills.get();
    }
}
