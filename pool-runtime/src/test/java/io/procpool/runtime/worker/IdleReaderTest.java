package io.procpool.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.procpool.Task;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A worker waiting for its next task is not woken when the manager reads what the worker wrote ({@link PollIn}): a
 * thread blocked in {@code read(2)} on the Unix socket was woken by the kernel's "room to write" each time the manager
 * read an answer or a heartbeat, and went back to sleep, a context switch each. The heartbeats of an idle worker show
 * it: its reading thread must sleep through them. Counted from the kernel ({@code voluntary_ctxt_switches} of the
 * worker's threads in {@code /proc}), not timed.
 */
@ExtendWith(NoChildLeft.class)
class IdleReaderTest {

    /** Heartbeats every 500 ms (a third of the timeout): far from a false alarm on a crowded machine. */
    private static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(1500);
    private static final int BEATS = 6;

    /** The worker's pid once its reads wait in poll(2); -1 before. */
    record PollsPid() implements Task<Long> {
        @Override
        public Long call() {
            return PollIn.active() ? ProcessHandle.current().pid() : -1L;
        }
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {1, 2})  // 1: two threads take turns at the reading (SoloLoop); 2: the main thread reads
    void anIdleWorkerSleepsThroughTheHeartbeatsTheManagerReads(int capacity) throws Exception {
        try (TaskPool pool = TaskPool.builder().name("idle").workers(1).capacity(capacity)
                .heartbeatTimeout(HEARTBEAT_TIMEOUT).build()) {
            long[] pid = {-1};
            // the poll is set up after HELLO: until then (and for a read begun before) reads block in read(2)
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                pid[0] = pool.submit(new PollsPid()).get(60, TimeUnit.SECONDS);
                return pid[0] > 0;
            });
            pool.submit(new PollsPid()).get(60, TimeUnit.SECONDS);  // whoever reads now began after the set-up
            // a capacity-1 worker's standby looks every 1 ms for a while after a task: wait for a quiet stretch of
            // heartbeats; with the reading thread woken by each heartbeat read, none ever comes
            long woken = Long.MAX_VALUE;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (woken > 2 && System.nanoTime() < deadline) {
                long before = switches(pid[0], "procpool-task", "java");
                long beats = switches(pid[0], "procpool-heartb");
                Awaitility.await().atMost(Duration.ofSeconds(60))
                        .until(() -> switches(pid[0], "procpool-heartb") >= beats + BEATS);
                woken = switches(pid[0], "procpool-task", "java") - before;
            }
            assertThat(woken).as("wake-ups of the idle worker's task and reading threads during %d heartbeats",
                    BEATS).isLessThanOrEqualTo(2);
            assertThat(pool.stats().restarts()).as("the same worker throughout").isZero();
        }
    }

    /** The voluntary context switches of {@code pid}'s threads whose name starts with one of {@code names}. */
    private static long switches(long pid, String... names) throws IOException {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                String comm;
                String status;
                try {
                    comm = Files.readString(t.resolve("comm")).strip();
                    status = Files.readString(t.resolve("status"));
                } catch (IOException gone) {
                    continue;  // a thread that ended meanwhile
                }
                if (Stream.of(names).anyMatch(n -> n.equals("java") ? comm.equals(n) : comm.startsWith(n))) {
                    int at = status.indexOf("\nvoluntary_ctxt_switches:");
                    sum += Long.parseLong(status.substring(at).split("\\s+")[2]);
                }
            }
        }
        return sum;
    }
}
