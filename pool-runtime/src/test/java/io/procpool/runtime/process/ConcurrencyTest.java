package io.procpool.runtime.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.ProcessExitedException;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many threads on many children while children die: every operation succeeds or fails fast, none hangs. */
@ExtendWith(NoChildLeft.class)
class ConcurrencyTest {

    @Test
    void pushPopFromManyThreadsWhileChildrenAreKilled() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (Spawner spawner = Spawner.create("stress")) {
                ProcessSpec spec = ProcessSpec.builder(TestPrograms.c("echo_child").toString()).build();
                int threads = 4;
                int roundsPerThread = 2000;
                List<ChildProcess> kids = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    kids.add(spawner.spawn(spec));
                }
                ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
                AtomicInteger ok = new AtomicInteger();
                AtomicInteger died = new AtomicInteger();
                CountDownLatch done = new CountDownLatch(threads);
                for (int t = 0; t < threads; t++) {
                    int slot = t;
                    new Thread(() -> {
                        try {
                            ChildProcess mine = kids.get(slot);
                            for (int i = 0; i < roundsPerThread; i++) {
                                byte[] msg = ("t" + slot + ":" + i).getBytes(UTF_8);
                                try {
                                    mine.push(msg);
                                    assertThat(mine.pop()).isEqualTo(msg);
                                    ok.incrementAndGet();
                                } catch (ProcessExitedException e) {
                                    died.incrementAndGet();
                                    mine.close();
                                    mine = spawner.spawn(spec);  // replace it, as a pool would
                                }
                            }
                            mine.close();
                        } catch (Throwable e) {
                            unexpected.add(e);
                        } finally {
                            done.countDown();
                        }
                    }, "pusher-" + t).start();
                }
                // the killer: SIGKILL a random live child now and then, until the pushers are done
                int kills = 0;
                while (done.getCount() > 0) {
                    List<ChildProcess> live = spawner.children();
                    if (!live.isEmpty()) {
                        if (live.get(ThreadLocalRandom.current().nextInt(live.size())).kill(9)) {
                            kills++;
                        }
                    }
                    // pace the kills by work done, not by time: let a few hundred round trips pass
                    int before = ok.get();
                    while (done.getCount() > 0 && ok.get() < before + 300) {
                        Thread.onSpinWait();
                    }
                }
                assertThat(unexpected).isEmpty();
                assertThat(ok.get() + died.get()).isEqualTo(threads * roundsPerThread);
                assertThat(kills).isPositive();
                assertThat(died.get()).isLessThanOrEqualTo(kills);
                assertThat(spawner.reapedCount()).isEqualTo(spawner.spawnedCount());
            }
        });
    }
}
