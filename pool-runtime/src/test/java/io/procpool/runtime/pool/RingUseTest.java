package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.procpool.PoolListener;
import io.procpool.Task;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * JVM workers' shared rings in use: many crashes leave no mapping or descriptor of a ring behind in the manager, a
 * worker short of memory sends large results through its ring, a JDK 25 worker speaks it, and a pool inside a task
 * gives its own workers their own rings.
 */
@ExtendWith(NoChildLeft.class)
class RingUseTest {

    private static final String RING_NAME = "memfd:procpool-channel";

    /** {@code n} bytes, byte i being i mod 251. */
    record Big(int n) implements Task<byte[]> {
        @Override
        public byte[] call() {
            return pattern(n);
        }
    }

    /** The inode of the worker's ring (its fd named in PROCPOOL_RING_FD), and its Java feature version. */
    record RingInode() implements Task<String> {
        @Override
        public String call() throws IOException {
            String fd = System.getenv("PROCPOOL_RING_FD");
            return Files.getAttribute(Path.of("/proc/self/fd/" + fd), "unix:ino") + "@" + Runtime.version().feature();
        }
    }

    /** In the worker: a pool of its own; its worker's ring and a 1 MiB answer through it, and this worker's ring. */
    record Nested() implements Task<String> {
        @Override
        public String call() throws Exception {
            try (TaskPool inner = TaskPool.builder().name("inner").workers(1).build()) {
                String ring = inner.submit(new RingInode()).get(120, TimeUnit.SECONDS);
                int big = inner.submit(new Big(1 << 20)).get(120, TimeUnit.SECONDS).length;
                return new RingInode().call() + " " + ring + " " + big;
            }
        }
    }

    /** Runs until its gate file exists. */
    record Gated(String gate) implements Task<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            while (!Files.exists(Path.of(gate))) {
                Thread.sleep(2);
            }
            return 1;
        }
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    /** The manager's mappings of a ring. */
    private static long ringMappings() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains(RING_NAME)).count();
        }
    }

    /** The manager's descriptors of a ring (it closes its own once the child has it). */
    private static long ringDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains(RING_NAME);
                } catch (IOException gone) {
                    return false;  // the listing's own descriptor, closed meanwhile
                }
            }).count();
        }
    }

    private static long descriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void manyCrashRestartsLeaveNoRingMappedAndNoDescriptorOpenInTheManager() throws Exception {
        long mappedBefore = ringMappings();
        try (TaskPool pool = TaskPool.builder().name("crashes").workers(1).maxAttempts(1)
                .restartBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .crashLoopLimit(1000, Duration.ofSeconds(1)).build()) {
            assertThat(pool.submit(new Big(10)).get(60, TimeUnit.SECONDS)).hasSize(10);
            long fdsBefore = descriptors();
            for (int i = 0; i < 30; i++) {
                int n = i;
                assertThatThrownBy(() -> pool.submit(new FaultTest.HaltEvery(0, 1)).get(60, TimeUnit.SECONDS))
                        .as("crash " + n).isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(WorkerCrashedException.class);
            }
            assertThat(pool.submit(new Big(1 << 20)).get(60, TimeUnit.SECONDS)).isEqualTo(pattern(1 << 20));
            // a dead worker's process is closed off the I/O thread, a moment after its exit was handled
            Awaitility.await("only the live worker's ring mapped").atMost(Duration.ofSeconds(30))
                    .until(() -> ringMappings() - mappedBefore == 1);
            assertThat(ringDescriptors()).isZero();
            Awaitility.await("descriptors back after 30 crashes").atMost(Duration.ofSeconds(30))
                    .until(() -> descriptors() <= fdsBefore + 2);
        }
        // a pool closed on its I/O thread closes its processes on another thread, just after close() returns
        Awaitility.await("no ring mapped after close").atMost(Duration.ofSeconds(30))
                .until(() -> ringMappings() == mappedBefore);
    }

    /**
     * A capacity-1 worker puts a task's STARTED in its ring without a doorbell; while the task runs on, the manager
     * must still hear of it (taskStarted, and the timeout's restart), not only with the answer.
     */
    @Test
    void whileALongTaskRunsTheManagerHearsThatItStarted(@TempDir Path dir) throws Exception {
        BlockingQueue<Long> started = new LinkedBlockingQueue<>();
        try (TaskPool pool = TaskPool.builder().name("started").workers(1).capacity(1).prefetch(0)
                .listener(new PoolListener() {
                    @Override
                    public void taskStarted(long taskId, String workerId, int attempt, Duration queueWait) {
                        started.add(taskId);
                    }
                }).build()) {
            for (int i = 0; i < 20; i++) {
                Path gate = dir.resolve("gate" + i);
                TaskFuture<Integer> f = pool.submit(new Gated(gate.toString()));
                assertThat(started.poll(60, TimeUnit.SECONDS)).as("task " + i + " started, heard while it runs")
                        .isEqualTo(f.id());
                Files.createFile(gate);
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(1);
            }
        }
    }

    @Test
    void aSpawnThatFailsLeavesNoRingBehind(@TempDir Path dir) throws Exception {
        Path notExecutable = Files.writeString(dir.resolve("java"), "#!/bin/sh\n");
        long mappedBefore = ringMappings();
        long fdsBefore = descriptors();
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> {
                try (TaskPool pool = TaskPool.builder().name("no-spawn").workers(1).javaCommand(notExecutable.toString())
                        .build()) {
                    pool.submit(new Big(1)).get(60, TimeUnit.SECONDS);
                }
            }).as("round " + i).hasMessageContaining("Permission denied");
        }
        Awaitility.await("no ring mapped after the failed spawns").atMost(Duration.ofSeconds(30))
                .until(() -> ringMappings() == mappedBefore);
        assertThat(ringDescriptors()).isZero();
        Awaitility.await("descriptors back").atMost(Duration.ofSeconds(30)).until(() -> descriptors() <= fdsBefore + 2);
    }

    @Test
    void aWorkerShortOfMemorySendsLargeResultsThroughItsRing() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("small").workers(1).maxAttempts(1)
                .jvmOptions(List.of("-XX:+UseSerialGC", "-Xmx64m")).build()) {
            for (int i = 0; i < 4; i++) {
                assertThat(pool.submit(new Big(12 << 20)).get(120, TimeUnit.SECONDS)).isEqualTo(pattern(12 << 20));
            }
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void aJdk25WorkerSendsThroughItsRing() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("jdk25").workers(1).javaCommand(AotCacheTest.java25())
                .build()) {
            assertThat(pool.submit(new RingInode()).get(120, TimeUnit.SECONDS)).endsWith("@25");
            assertThat(pool.submit(new Big(3 << 20)).get(120, TimeUnit.SECONDS)).isEqualTo(pattern(3 << 20));
        }
    }

    @Test
    void aPoolInsideATaskGivesItsWorkersTheirOwnRings() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("outer").workers(1).build()) {
            String[] got = pool.submit(new Nested()).get(180, TimeUnit.SECONDS).split(" ");
            assertThat(got[2]).isEqualTo(Integer.toString(1 << 20));
            assertThat(got[1]).as("the inner worker's ring").isNotEqualTo(got[0]).endsWith("@17");
        }
    }
}
