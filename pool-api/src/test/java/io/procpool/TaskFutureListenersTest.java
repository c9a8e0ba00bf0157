package io.procpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** A task future's event listeners (a pure unit: the pool calls fireEvent on its completion thread). */
class TaskFutureListenersTest {

    private static TaskFuture<Integer> future() {
        return new TaskFuture<>(7, (f, interrupt) -> { });
    }

    @Test
    void everyListenerGetsEachEventInOrderFromTheMomentItWasAdded() {
        TaskFuture<Integer> f = future();
        f.fireEvent("nobody listens yet");
        List<Object> first = new ArrayList<>();
        List<Object> second = new ArrayList<>();
        f.onEvent(first::add);
        f.fireEvent(1);
        f.onEvent(second::add).fireEvent(2);
        f.fireEvent(3);
        assertThat(first).containsExactly(1, 2, 3);
        assertThat(second).containsExactly(2, 3);
    }

    @Test
    void listenersAddedFromManyThreadsAtOnceAreAllKept() throws Exception {
        TaskFuture<Integer> f = future();
        AtomicInteger heard = new AtomicInteger();
        int threads = 8;
        int each = 500;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    f.onEvent(e -> heard.incrementAndGet());
                }
            });
            th.start();
            all.add(th);
        }
        go.countDown();
        for (Thread th : all) {
            th.join();
        }
        f.fireEvent("once");
        assertThat(heard).hasValue(threads * each);
    }
}
