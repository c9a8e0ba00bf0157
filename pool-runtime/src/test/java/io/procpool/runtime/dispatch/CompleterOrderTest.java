package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.procpool.runtime.testing.Latches;
import org.junit.jupiter.api.Test;

/**
 * One key's deliveries run in the order handed even when the completer has grown past one thread: two threads
 * that take two batches at once must not reorder a key present in both.
 */
class CompleterOrderTest {

    private static final class Key extends Ordered {
        @Override
        boolean settled() {
            return false;
        }
    }

    @Test
    void aKeyInTwoBatchesTakenByTwoThreadsKeepsItsOrder() throws Exception {
        Completer c = new Completer("order-test");
        try {
            // grow to two threads: the first blocks until a delivery handed after it has run
            Key blockerKey = new Key();
            Key otherKey = new Key();
            CountDownLatch otherRan = new CountDownLatch(1);
            CountDownLatch firstDone = new CountDownLatch(1);
            c.hand(new ArrayList<>(List.of(new Delivery(blockerKey, () -> {
                Latches.await(otherRan, 20);
                firstDone.countDown();
            }))));
            c.hand(new ArrayList<>(List.of(new Delivery(otherKey, otherRan::countDown))));
            assertThat(otherRan.await(20, TimeUnit.SECONDS)).as("the watchdog added a thread").isTrue();
            assertThat(firstDone.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(c.threads()).isGreaterThanOrEqualTo(2);

            // batch 1: [blocker (key X), K:a]; batch 2: [K:b]. One thread holds batch 1 in its blocker, the
            // other takes batch 2: K's "b" must not run before its "a", handed first.
            Key x = new Key();
            Key k = new Key();
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch bothRan = new CountDownLatch(2);
            CountDownLatch bRan = new CountDownLatch(1);
            c.hand(new ArrayList<>(List.of(new Delivery(x, () -> Latches.await(release, 20)),
                    new Delivery(k, () -> {
                        order.add("a");
                        bothRan.countDown();
                    }))));
            c.hand(new ArrayList<>(List.of(new Delivery(k, () -> {
                order.add("b");
                bothRan.countDown();
                bRan.countDown();
            }))));
            bRan.await(10, TimeUnit.SECONDS);  // the second thread has run (or given up on) "b"
            release.countDown();
            assertThat(bothRan.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(order).containsExactly("a", "b");
        } finally {
            CountDownLatch stopped = new CountDownLatch(1);
            c.stop(stopped::countDown);
            assertThat(stopped.await(20, TimeUnit.SECONDS)).isTrue();
        }
    }
}
