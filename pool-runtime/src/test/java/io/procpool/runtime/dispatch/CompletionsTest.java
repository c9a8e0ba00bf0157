package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.runtime.process.Spawner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Completions run on the I/O thread while they are quick; one that blocks gets the loop taken over, and while it
 * still blocks, the new loop thread hands every batch to the completer: the blocked batch stays the completer's to
 * rescue (its rest runs on a completer thread), and no second I/O thread gets stranded.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CompletionsTest {

    private static final class Key extends Ordered {
        @Override
        boolean settled() {
            return false;
        }
    }

    private static final AtomicInteger TESTS = new AtomicInteger();
    private final String name = "cmpl" + TESTS.incrementAndGet();  // each test counts its own threads
    private final Spawner spawner = Spawner.create(name);
    private final Completer completer = new Completer(name);
    private final Completions completions = new Completions(spawner, completer);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        CountDownLatch stopped = new CountDownLatch(1);
        completer.stop(stopped::countDown);
        assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();
        spawner.close();
    }

    private void await(CountDownLatch l) {
        try {
            l.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One completion, queued by the I/O thread in a turn of its own; completes once it has run. */
    private CompletableFuture<Thread> completeOne() {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        spawner.execute(() -> completions.add(new Delivery(new Key(), () -> ran.complete(Thread.currentThread()))));
        return ran;
    }

    private List<Thread> ioThreads() {
        List<Thread> io = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if ((t.getName().equals("procpool-io-" + name) || t.getName().startsWith("procpool-io-" + name + "-"))
                    && !t.getName().endsWith("-watch")) {
                io.add(t);
            }
        }
        return io;
    }

    @Test
    void theRestOfABatchBlockedOnTheIoThreadRunsWhileOtherCompletionsGoOn() throws Exception {
        CountDownLatch secondRan = new CountDownLatch(1);
        CompletableFuture<Thread> blocked = new CompletableFuture<>();
        // one batch: the first completion waits for the second (a get() of another task's future, say)
        spawner.execute(() -> {
            completions.add(new Delivery(new Key(), () -> {
                blocked.complete(Thread.currentThread());
                await(secondRan);
            }));
            completions.add(new Delivery(new Key(), secondRan::countDown));
        });
        Thread first = blocked.get(30, TimeUnit.SECONDS);
        assertThat(first.getName()).isEqualTo("procpool-io-" + name);
        // other completions keep coming, each in a turn of its own: they must not hide the blocked batch from the
        // completer's watchdog (which hands its rest on once it sees it stuck at two looks, 100 ms apart)
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);  // a bound for the failure, not a speed
        while (secondRan.getCount() > 0 && System.nanoTime() - until < 0) {
            completeOne().get(30, TimeUnit.SECONDS);
        }
        assertThat(secondRan.getCount()).as("the blocked batch's second completion ran").isZero();
        first.join(30_000);
        assertThat(first.isAlive()).as("the stranded I/O thread left once its completion returned").isFalse();
        assertThat(spawner.strandedCallOuts()).isZero();
    }

    @Test
    void whileACompletionBlocksAnIoThreadNoOtherIoThreadGetsStranded() throws Exception {
        List<Thread> entered = new ArrayList<>();
        for (int i = 0; i < 8; i++) {  // eight completions that block until released, one after another
            CompletableFuture<Thread> in = new CompletableFuture<>();
            spawner.execute(() -> completions.add(new Delivery(new Key(), () -> {
                in.complete(Thread.currentThread());
                await(release);
            })));
            entered.add(in.get(30, TimeUnit.SECONDS));
        }
        assertThat(completeOne().get(30, TimeUnit.SECONDS)).isNotNull();  // the loop still serves
        assertThat(ioThreads()).as("one loop thread, and at most one stranded").hasSizeLessThanOrEqualTo(2);
        assertThat(entered.stream().filter(t -> t.getName().startsWith("procpool-io-")).count()).isEqualTo(1);
        assertThat(spawner.strandedCallOuts()).isEqualTo(1);
        release.countDown();
        for (Thread t : entered) {
            if (t.getName().startsWith("procpool-io-")) {
                t.join(30_000);
                assertThat(t.isAlive()).isFalse();
            }
        }
    }

    /** One completion that runs for 3 ms (busy: not a wait), in a turn of its own; completes with its thread. */
    private CompletableFuture<Thread> completeSlow() {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        spawner.execute(() -> completions.add(new Delivery(new Key(), () -> {
            long end = System.nanoTime() + 3 * Completions.SLOW_NANOS;
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
            ran.complete(Thread.currentThread());
        })));
        return ran;
    }

    @Test
    void oneSlowBatchKeepsCompletionsOnTheIoThreadAndTwoInARowSendThemToTheCompleter() throws Exception {
        String io = "procpool-io-" + name;
        assertThat(completeSlow().get(30, TimeUnit.SECONDS).getName()).isEqualTo(io);
        // one slow batch alone is as likely the thread losing its core: the next batch still runs here
        assertThat(completeOne().get(30, TimeUnit.SECONDS).getName()).isEqualTo(io);
        completeSlow().get(30, TimeUnit.SECONDS);  // (here, or on a completer thread if the last one lost its core)
        completeSlow().get(30, TimeUnit.SECONDS);
        // two in a row: the next ones go to the completer's threads (for OFF_NANOS, 100 ms)
        assertThat(completeOne().get(30, TimeUnit.SECONDS).getName()).startsWith("procpool-complete-" + name);
    }
}
