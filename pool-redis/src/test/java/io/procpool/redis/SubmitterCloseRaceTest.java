package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import io.lettuce.core.RedisClient;
import io.procpool.TaskFuture;
import io.procpool.TaskRejectedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A submitter closed while other threads submit: every future it handed out completes, none stays pending. */
class SubmitterCloseRaceTest {

    RedisServer server;
    RedisClient client;

    @BeforeEach
    void start() {
        server = RedisServer.start();
        client = RedisClients.create(server.uri(), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        client.shutdown();
        server.close();
    }

    @Test
    void everyFutureHandedOutCompletesWhenTheSubmitterClosesUnderConcurrentSubmits() throws Exception {
        Queue<TaskFuture<long[]>> handedOut = new ConcurrentLinkedQueue<>();
        for (int round = 0; round < 40; round++) {
            RedisSubmitter submitter = new RedisSubmitter(client, "race", 100_000, false, 3, List.of());
            CountDownLatch some = new CountDownLatch(3 * 20);
            List<Thread> threads = new java.util.ArrayList<>();
            for (int t = 0; t < 3; t++) {
                Thread th = new Thread(() -> {
                    try {
                        for (int i = 0; ; i++) {
                            handedOut.add(submitter.submit(new Tasks.Sleepy(i, 0)));
                            some.countDown();
                        }
                    } catch (TaskRejectedException closed) {
                        // the end of this round
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                th.start();
                threads.add(th);
            }
            some.await();
            submitter.close();
            for (Thread th : threads) {
                th.join(30_000);
                assertThat(th.isAlive()).as("a submitting thread still runs after the close").isFalse();
            }
        }
        // no node ever runs them: each fails with the close, whenever it was handed out
        await().atMost(Duration.ofSeconds(30)).until(() -> handedOut.stream().allMatch(TaskFuture::isDone));
        assertThat(handedOut).allMatch(TaskFuture::isCompletedExceptionally);
    }
}
