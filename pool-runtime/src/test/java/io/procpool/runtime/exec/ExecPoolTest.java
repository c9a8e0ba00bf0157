package io.procpool.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.procpool.Codec;
import io.procpool.ExitReason;
import io.procpool.PoolFailedException;
import io.procpool.ProtocolException;
import io.procpool.Signal;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.TaskTimeoutException;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.codec.JsonCodec;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.Recorder;
import io.procpool.runtime.testing.TestPrograms;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** ExecPool with the reference workers of pool-examples: C and Python in protocol mode, sh in line mode. */
@ExtendWith(NoChildLeft.class)
class ExecPoolTest {

    static ExecPool.Builder<String, String> c() {
        return ExecPool.builder(Codec.utf8(), Codec.utf8()).name("c").command(TestPrograms.cWorker().toString());
    }

    static ExecPool.Builder<String, String> python() {
        return ExecPool.builder(Codec.utf8(), Codec.utf8()).name("py")
                .command("python3", "-S", TestPrograms.WORKERS.resolve("python/procpool_worker.py").toString());
    }

    static ExecPool.Builder<String, String> shell() {
        return ExecPool.builder(Codec.utf8(), Codec.utf8()).name("sh").lineMode()
                .command("sh", TestPrograms.WORKERS.resolve("shell/line_worker.sh").toString());
    }

    /** n round trips of distinct texts, checked one by one. */
    private static void roundTrips(ExecPool<String, String> pool, int n) throws Exception {
        List<TaskFuture<String>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(i % 2 == 0 ? "echo item-" + i + " ü" : "upper item-" + i));
        }
        for (int i = 0; i < n; i++) {
            String want = i % 2 == 0 ? "item-" + i + " ü" : "ITEM-" + i;
            assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(want);
        }
    }

    @Test
    void theCWorkerServesThousandsOfTasksWithEventsErrorsAndAttempts() throws Exception {
        try (ExecPool<String, String> pool = c().workers(2).prefetch(4).build()) {
            roundTrips(pool, 5000);
            List<Object> events = new CopyOnWriteArrayList<>();
            // both workers busy for a while: the event task waits, so its listener is in place before it runs
            // (events emitted before onEvent are not replayed; a warm pool answered before the listener was added)
            List<TaskFuture<String>> busy = List.of(pool.submit("sleep 300"), pool.submit("sleep 300"));
            TaskFuture<String> withEvent = pool.submit("event progress");
            withEvent.onEvent(events::add);
            for (TaskFuture<String> b : busy) {
                b.get(60, TimeUnit.SECONDS);
            }
            assertThat(withEvent.get(60, TimeUnit.SECONDS)).isEqualTo("progress");
            assertThat(events).containsExactly("progress");
            assertThatThrownBy(() -> pool.submit("fail bad input").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(TaskFailedException.class).hasMessageContaining("error: bad input")
                    .satisfies(e -> assertThat(((TaskFailedException) e).remoteClass()).isEqualTo("error"));
            assertThat(pool.submit("attempt").get(60, TimeUnit.SECONDS)).isEqualTo("1");
            assertThat(pool.submit("env PROCPOOL_WORKER").get(60, TimeUnit.SECONDS)).startsWith("c-");
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void thePythonWorkerServesThousandsOfTasksAndItsErrorsCarryTheTraceback() throws Exception {
        try (ExecPool<String, String> pool = python().workers(2).build()) {
            roundTrips(pool, 2000);
            assertThatThrownBy(() -> pool.submit("fail no such user").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(TaskFailedException.class)
                    .satisfies(e -> {
                        TaskFailedException t = (TaskFailedException) e;
                        assertThat(t.remoteClass()).isEqualTo("ValueError");
                        assertThat(t.remoteMessage()).isEqualTo("no such user");
                        assertThat(t.remoteStackTrace()).contains("Traceback");
                    });
        }
    }

    @Test
    void aShellLoopIsAPooledWorkerInLineModeWithRepliesInOrder() throws Exception {
        try (ExecPool<String, String> pool = shell().workers(2).build()) {
            List<TaskFuture<String>> futures = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                futures.add(pool.submit("echo line " + i));
            }
            for (int i = 0; i < 1000; i++) {
                assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).isEqualTo("line " + i);
            }
            assertThatThrownBy(() -> pool.submit("two\nlines")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must be one line");
        }
    }

    @Test
    void theJsonCodecTypesWhatWorkersSay() throws Exception {
        try (ExecPool<String, Map<String, Object>> pool = ExecPool.builder(Codec.utf8(),
                JsonCodec.of(new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { }))
                .name("json").workers(1).command(TestPrograms.cWorker().toString()).build()) {
            assertThat(pool.submit("echo {\"a\":1,\"b\":[2,3]}").get(60, TimeUnit.SECONDS))
                    .isEqualTo(Map.of("a", 1, "b", List.of(2, 3)));
            assertThatThrownBy(() -> pool.submit("echo not json").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(TaskFailedException.class).hasMessageContaining("received: 'not json'");
        }
        record Point(int x, int y) { }
        JsonCodec<Point> codec = JsonCodec.of(Point.class);
        byte[] bytes = codec.encode(new Point(3, 4));
        assertThat(new String(bytes)).isEqualTo("{\"x\":3,\"y\":4}");
        assertThat(codec.decode(bytes, 0, bytes.length)).isEqualTo(new Point(3, 4));
    }

    @Test
    void aCrashMidTaskIsRetriedThenFailsWithTheExitStatusAndThePoolServesOn() throws Exception {
        Recorder events = new Recorder();
        try (ExecPool<String, String> pool = c().workers(2).maxAttempts(2).listener(events).build()) {
            assertThatThrownBy(() -> pool.submit("exit 7").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(WorkerCrashedException.class).hasMessageContaining("exited 7")
                    .satisfies(e -> assertThat(((WorkerCrashedException) e).attempts()).isEqualTo(2));
            assertThatThrownBy(() -> pool.submit("kill", TaskOptions.DEFAULTS.withMaxAttempts(1))
                    .get(60, TimeUnit.SECONDS)).cause().isInstanceOf(WorkerCrashedException.class)
                    .satisfies(e -> assertThat(((WorkerCrashedException) e).status().signal())
                            .isEqualTo(Signal.SIGKILL.number()));
            roundTrips(pool, 100);
            assertThat(events.details("restarted")).containsExactly(ExitReason.CRASH, ExitReason.CRASH,
                    ExitReason.CRASH);
        }
    }

    @Test
    void workersThatBreakTheProtocolAreKilledAndReplacedAndTheirTaskFailsQuotingWhatCame() throws Exception {
        Recorder events = new Recorder();
        try (ExecPool<String, String> pool = c().workers(2).maxAttempts(1).maxMessageSize(1 << 16)
                .listener(events).build()) {
            assertThatThrownBy(() -> pool.submit("garbage").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("a frame of unknown type 0x7f")
                    .satisfies(e -> assertThat(((ProtocolException) e).received()).contains("7f"));
            assertThatThrownBy(() -> pool.submit("oversize").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("over maxMessageSize");
            assertThatThrownBy(() -> pool.submit("stray").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("which it does not hold");
            assertThatThrownBy(() -> pool.submit("badmessage").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("not three length-prefixed strings");
            // two results for one task: the first answers it, the second is caught and its worker replaced
            assertThat(pool.submit("twice").get(60, TimeUnit.SECONDS)).isEqualTo("first");
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> events.of("restarted").size() == 5);
            assertThat(events.details("restarted")).containsOnly(ExitReason.PROTOCOL_ERROR);
            roundTrips(pool, 100);
        }
    }

    @Test
    void aLineModeWorkerThatAnswersTwiceOrNeverIsCaughtAndReplaced() throws Exception {
        Recorder events = new Recorder();
        try (ExecPool<String, String> pool = shell().workers(1).maxAttempts(1).listener(events)
                .taskTimeout(Duration.ofMillis(500)).build()) {
            assertThat(pool.submit("twice x").get(60, TimeUnit.SECONDS)).isEqualTo("x");
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> events.of("restarted").size() == 1);
            assertThat(events.details("restarted")).containsExactly(ExitReason.PROTOCOL_ERROR);
            assertThatThrownBy(() -> pool.submit("none").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(TaskTimeoutException.class);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> events.of("restarted").size() == 2);
            assertThat(events.details("restarted")).containsExactly(ExitReason.PROTOCOL_ERROR, ExitReason.TIMEOUT);
            assertThat(pool.submit("echo after").get(60, TimeUnit.SECONDS)).isEqualTo("after");
        }
    }

    @Test
    void lineModeWorkersThatRetireOrScaleDownStillAnswerWhatTheyHold() throws Exception {
        try (ExecPool<String, String> pool = shell().workers(2).prefetch(2).maxTasksPerWorker(2).build()) {
            List<TaskFuture<String>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                futures.add(pool.submit("echo " + i));
            }
            for (int i = 0; i < 40; i++) {
                assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(Integer.toString(i));
            }
            assertThat(pool.stats().recycled()).isPositive();
        }
    }

    @Test
    void cancelStopsASleepingTaskAndTheWorkerStays() throws Exception {
        try (ExecPool<String, String> pool = c().workers(1).build()) {
            TaskFuture<String> sleeping = pool.submit("sleep 20000");
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().busy() == 1);
            sleeping.cancel(true);
            assertThatThrownBy(sleeping::join).isInstanceOf(CancellationException.class);
            assertThat(pool.submit("echo next").get(60, TimeUnit.SECONDS)).isEqualTo("next");
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void aHungWorkerIsFoundByItsHeartbeatAndReplaced() throws Exception {
        Recorder events = new Recorder();
        try (ExecPool<String, String> pool = c().workers(1).maxAttempts(1).heartbeatTimeout(Duration.ofMillis(300))
                .listener(events).build()) {
            assertThatThrownBy(() -> pool.submit("hang").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(WorkerCrashedException.class).hasMessageContaining("no heartbeat");
            assertThat(events.details("restarted")).containsExactly(ExitReason.HUNG);
            assertThat(pool.submit("echo alive").get(60, TimeUnit.SECONDS)).isEqualTo("alive");
        }
    }

    @Test
    void badCommandsFailBuildAtOnceWithTheReason(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ExecPool.builder(Codec.utf8(), Codec.utf8()).command("/no/such/worker").workers(2)
                .build()).isInstanceOf(PoolFailedException.class).hasMessageContaining("/no/such/worker")
                .hasMessageContaining("No such file or directory");
        Path notExecutable = Files.writeString(dir.resolve("worker.sh"), "echo hi\n");
        assertThatThrownBy(() -> ExecPool.builder(Codec.utf8(), Codec.utf8()).command(notExecutable.toString())
                .build()).isInstanceOf(PoolFailedException.class).hasMessageContaining("Permission denied");
        assertThatThrownBy(() -> c().command(TestPrograms.cWorker().toString(), "--crash-at-start").build())
                .isInstanceOf(PoolFailedException.class).hasMessageContaining("exited 3")
                .hasMessageContaining("crashing at start");
        assertThatThrownBy(() -> c().command(TestPrograms.cWorker().toString(), "--no-hello")
                .startupTimeout(Duration.ofMillis(500)).build())
                .isInstanceOf(PoolFailedException.class).hasMessageContaining("did not say HELLO within");
        assertThatThrownBy(() -> ExecPool.builder(Codec.utf8(), Codec.utf8()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("command is not set");
        assertThatThrownBy(() -> shell().heartbeatTimeout(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs protocol mode");
    }
}
