package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.PoolStats;
import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** TaskPool with real worker JVMs: tasks of every kind round-trip, failures keep their stack, counts are exact. */
@ExtendWith(NoChildLeft.class)
class TaskPoolTest {

    record Add(int a, int b) implements Task<Integer> {
        @Override
        public Integer call() {
            return a + b;
        }
    }

    /** A plain class with a no-argument constructor and mutable fields. */
    static final class Greeting implements Task<Map<String, Object>> {
        String who;
        List<Integer> numbers = new ArrayList<>();

        @Override
        public Map<String, Object> call() {
            return Map.of("greeting", "hello " + who, "sum", numbers.stream().mapToInt(Integer::intValue).sum(),
                    "pid", ProcessHandle.current().pid());
        }
    }

    record Boom(String message) implements Task<Void> {
        @Override
        public Void call() {
            throw new IllegalStateException(message, new ArithmeticException("root cause"));
        }
    }

    static TaskPool.Builder pool() {
        return TaskPool.builder().name("test").workers(2);
    }

    @Test
    void lambdasRecordsAndPojosRoundTrip() throws Exception {
        try (TaskPool pool = pool().build()) {
            String captured = "captured";
            int n = 21;
            TaskFuture<String> lambda = pool.submit(() -> captured + " " + (n * 2) + " in " + TaskContext.current().workerId());
            TaskFuture<Integer> record = pool.submit(new Add(40, 2));
            Greeting g = new Greeting();
            g.who = "pojo";
            g.numbers.addAll(List.of(1, 2, 3));
            TaskFuture<Map<String, Object>> pojo = pool.submit(g);
            TaskFuture<List<String>> immutable = pool.submit(() -> List.of("a", "b"));
            TaskFuture<Object> nothing = pool.submit(() -> null);

            assertThat(lambda.get(60, TimeUnit.SECONDS)).matches("captured 42 in test-[12]");
            assertThat(record.get(60, TimeUnit.SECONDS)).isEqualTo(42);
            Map<String, Object> m = pojo.get(60, TimeUnit.SECONDS);
            assertThat(m).containsEntry("greeting", "hello pojo").containsEntry("sum", 6);
            assertThat(((Number) m.get("pid")).longValue()).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(immutable.get(60, TimeUnit.SECONDS)).containsExactly("a", "b");
            assertThat(nothing.get(60, TimeUnit.SECONDS)).isNull();
        }
    }

    @Test
    void aRemoteExceptionKeepsItsClassMessageAndStackAndTheWorkerStaysUp() throws Exception {
        try (TaskPool pool = pool().workers(1).build()) {
            TaskFuture<Void> f = pool.submit(new Boom("bad input 7"));
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("java.lang.IllegalStateException: bad input 7")
                    .satisfies(e -> {
                        TaskFailedException t = (TaskFailedException) e;
                        assertThat(t.remoteClass()).isEqualTo("java.lang.IllegalStateException");
                        assertThat(t.remoteMessage()).isEqualTo("bad input 7");
                        assertThat(t.remoteStackTrace()).contains("TaskPoolTest$Boom.call")
                                .contains("Caused by: java.lang.ArithmeticException: root cause");
                    });
            assertThat(pool.submit(new Add(1, 1)).get(60, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(pool.stats().restarts()).isZero();
            assertThat(pool.reapedWorkers()).isZero();
        }
    }

    @Test
    void tenThousandTasksOnFourWorkersAllCompleteExactlyOnce() throws Exception {
        try (TaskPool pool = pool().workers(4).prefetch(8).build()) {
            List<TaskFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                long v = i;
                futures.add(pool.submit(() -> v * 3));
            }
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < futures.size(); i++) {
                long r = futures.get(i).get(120, TimeUnit.SECONDS);
                assertThat(r).isEqualTo(i * 3L);
                assertThat(seen.add(r)).isTrue();
            }
            PoolStats s = pool.stats();
            assertThat(s.completed()).isEqualTo(10_000);
            assertThat(s.failed()).isZero();
            assertThat(s.queued()).isZero();
        }
    }

    @Test
    void attemptAndTaskIdAreVisibleInTheWorker() throws Exception {
        try (TaskPool pool = pool().workers(1).build()) {
            TaskFuture<String> f = pool.submit(() -> TaskContext.current().taskId() + "/" + TaskContext.current().attempt());
            assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(f.id() + "/1");
        }
    }

    @Test
    void progressEventsArriveInOrder() throws Exception {
        try (TaskPool pool = pool().workers(1).build()) {
            List<Object> events = java.util.Collections.synchronizedList(new ArrayList<>());
            TaskFuture<Integer> f = pool.submit(() -> {
                for (int i = 0; i < 100; i++) {
                    TaskContext.current().emit("step " + i);
                }
                return 100;
            });
            f.onEvent(events::add);
            // events emitted before onEvent was attached may be missed: attach first, then let the task run
            assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(100);
            List<Object> copy = List.copyOf(events);
            for (int i = 1; i < copy.size(); i++) {
                int prev = Integer.parseInt(((String) copy.get(i - 1)).substring(5));
                int cur = Integer.parseInt(((String) copy.get(i)).substring(5));
                assertThat(cur).isEqualTo(prev + 1);
            }
        }
    }

    @Test
    void nullTaskAndUnserializableTaskFailAtSubmit() throws Exception {
        try (TaskPool pool = pool().workers(1).build()) {
            assertThatThrownBy(() -> pool.submit(null)).isInstanceOf(NullPointerException.class);
            Thread notSerializable = new Thread(() -> { });
            assertThatThrownBy(() -> pool.submit(() -> notSerializable.getName()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot be serialized")
                    .hasMessageContaining("test - task of");
            assertThat(pool.stats().inFlight()).isZero();
            assertThat(pool.submit(new Add(2, 3)).get(60, TimeUnit.SECONDS)).isEqualTo(5);
        }
    }

    @Test
    void aResultThatCannotBeSerializedFailsThatTaskOnly() throws Exception {
        try (TaskPool pool = pool().workers(1).build()) {
            TaskFuture<Object> f = pool.submit(() -> new Thread("not serializable"));
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("java.lang.Thread")
                    .hasMessageContaining("cannot be serialized");
            assertThat(pool.submit(new Add(3, 4)).get(60, TimeUnit.SECONDS)).isEqualTo(7);
            assertThat(pool.stats().restarts()).isZero();
        }
    }

    @Test
    void anAllowlistLetsOnlyItsClassesTravel() throws Exception {
        try (TaskPool pool = pool().workers(1).allow(Add.class, Boom.class).build()) {
            assertThat(pool.submit(new Add(5, 6)).get(60, TimeUnit.SECONDS)).isEqualTo(11);
            Greeting g = new Greeting();
            g.who = "nobody";
            assertThatThrownBy(() -> pool.submit(g)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Greeting").hasMessageContaining("not registered");
        }
    }

    @Test
    void cancelledFutureReportsCancellation() throws Exception {
        try (TaskPool pool = pool().workers(1).build()) {
            TaskFuture<Integer> f = pool.submit(() -> {
                Thread.sleep(60_000);
                return 1;
            });
            f.cancel(true);
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            assertThat(pool.submit(new Add(1, 2)).get(60, TimeUnit.SECONDS)).isEqualTo(3);
        }
    }
}
