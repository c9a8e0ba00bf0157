package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.procpool.Task;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spares sized by the crash rate, started at a lower CPU priority, and taken by an empty slot while they still start
 * (supervise.Spares, supervise.SpareKeeper), with real worker JVMs.
 */
@ExtendWith(NoChildLeft.class)
class SparePolicyTest {

    private static final Duration LONG = Duration.ofSeconds(60);

    record Pid() implements Task<Long> {
        @Override
        public Long call() {
            return ProcessHandle.current().pid();
        }
    }

    /** The initializer: a spare's start waits here until the file exists; other workers go on. */
    record HoldSpares(String file) implements Task<Void> {
        @Override
        public Void call() {
            if (System.getenv("PROCPOOL_WORKER").endsWith("-spare")) {
                while (!Files.exists(Path.of(file))) {
                    LockSupport.parkNanos(5_000_000);
                }
            }
            return null;
        }
    }

    @Test
    void aCrashStartsASpareWhereNoneIsConfigured() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("sized").workers(1).spares(0, 2).maxAttempts(2).build()) {
            assertThat(pool.stats().spares()).isZero();
            pool.submit(new SpareTest.CrashOnce()).get(60, TimeUnit.SECONDS);
            Awaitility.await().atMost(LONG).until(() -> pool.stats().spares() >= 1);
        }
    }

    @Test
    void aSpareStartsAtTheLowerPriorityAndRunsAtNormalOnceReady(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (TaskPool pool = TaskPool.builder().name("niced").workers(1).spares(1).spareNice(10)
                .initializer(new HoldSpares(go.toString())).build()) {
            long worker = pool.submit(new Pid()).get(60, TimeUnit.SECONDS);
            Awaitility.await().atMost(LONG).until(() -> children().size() == 2);
            long spare = children().stream().filter(p -> p != worker).findFirst().orElseThrow();
            Awaitility.await().atMost(LONG).until(() -> niceOfEveryThread(spare).equals(Set.of(10)));
            assertThat(niceOfEveryThread(worker)).containsOnly(0);
            Files.createFile(go);
            Awaitility.await().atMost(LONG).until(() -> pool.stats().spares() == 1);
            assertThat(niceOfEveryThread(spare)).as("a ready spare").containsOnly(0);
        }
    }

    @Test
    void anEmptySlotTakesASpareThatIsStillStarting(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        try (TaskPool pool = TaskPool.builder().name("taken").workers(1).spares(1).maxAttempts(2)
                .initializer(new HoldSpares(go.toString())).build()) {
            Awaitility.await().atMost(LONG).until(() -> children().size() == 2);
            Set<Long> before = Set.copyOf(children());
            var retried = pool.submit(new SpareTest.CrashOnce());
            Awaitility.await().atMost(LONG).until(() -> pool.stats().restarts() == 1);
            Files.createFile(go);
            assertThat(before).as("the retry ran in the spare started before the crash")
                    .contains(retried.get(60, TimeUnit.SECONDS));
        }
    }

    private static List<Long> children() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toList());
    }

    /** The nice value (field 19 of /proc/pid/task/tid/stat) of each thread of {@code pid}. */
    private static Set<Integer> niceOfEveryThread(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.map(t -> {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
                } catch (IOException e) {
                    return Integer.MIN_VALUE;  // the thread ended meanwhile
                }
            }).filter(n -> n != Integer.MIN_VALUE).collect(Collectors.toSet());
        }
    }
}
