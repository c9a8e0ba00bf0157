package io.procpool.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the lease of every entry a node holds, every third of the lease. An entry the renewal says is no longer
 * held (another node reclaimed it, or Redis lost it) is given up at once; when no renewal has succeeded for a whole
 * lease (Redis unreachable), everything held is given up, since other nodes may reclaim it from then on.
 * "Given up" calls {@code onLost(entryIds, why)}: the node stops those tasks and never completes them.
 */
public final class LeaseKeeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final NodeQueue queue;
    private final QueueCounters counters;
    private final BiConsumer<List<String>, String> onLost;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private volatile long lastRenewed = System.nanoTime();
    private final java.util.concurrent.atomic.AtomicLong renewals = new java.util.concurrent.atomic.AtomicLong();

    public LeaseKeeper(NodeQueue queue, QueueCounters counters, BiConsumer<List<String>, String> onLost) {
        this.queue = queue;
        this.counters = counters;
        this.onLost = onLost;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "procpool-lease-" + queue.layout().pool());
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, queue.lease().toMillis() / 3);
        timer.scheduleWithFixedDelay(this::renewNow, period, period, TimeUnit.MILLISECONDS);
    }

    /** The node holds this entry from now on. */
    public void hold(String entryId) {
        held.add(entryId);
    }

    /** The node is done with this entry (call it before completing the entry in Redis). */
    public boolean release(String entryId) {
        return held.remove(entryId);
    }

    public int heldCount() {
        return held.size();
    }

    /** How many renewal rounds of held entries have succeeded. */
    public long renewals() {
        return renewals.get();
    }

    /** One renewal round; runs on the keeper's timer, callable from tests. */
    public void renewNow() {
        List<String> snapshot = new ArrayList<>(held);
        if (snapshot.isEmpty()) {
            lastRenewed = System.nanoTime();
            return;
        }
        try {
            Set<String> still = queue.renew(snapshot);
            lastRenewed = System.nanoTime();
            renewals.incrementAndGet();
            List<String> lost = new ArrayList<>();
            for (String id : snapshot) {
                if (!still.contains(id) && held.remove(id)) {
                    lost.add(id);
                }
            }
            giveUp(lost, "another node reclaimed it, or Redis lost it");
        } catch (RuntimeException e) {
            long since = System.nanoTime() - lastRenewed;
            if (since >= queue.lease().toNanos()) {
                List<String> all = new ArrayList<>();
                for (String id : snapshot) {
                    if (held.remove(id)) {
                        all.add(id);
                    }
                }
                giveUp(all, "its lease could not be renewed for " + queue.lease() + ": " + e);
            } else {
                LOG.warn("{} - lease renewal failed (will retry): {}", queue.layout().pool(), e.toString());
            }
        }
    }

    private void giveUp(List<String> ids, String why) {
        if (ids.isEmpty()) {
            return;
        }
        counters.countLeasesLost(ids.size());
        LOG.warn("{} - gives up {} held task(s): {}", queue.layout().pool(), ids.size(), why);
        try {
            onLost.accept(ids, why);
        } catch (RuntimeException e) {
            LOG.error("{} - onLost failed", queue.layout().pool(), e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
