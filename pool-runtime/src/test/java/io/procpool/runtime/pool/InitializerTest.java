package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.TaskFuture;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The worker initializer: once in each worker, before its first task, again in each replacement; a failure fails the start. */
@ExtendWith(NoChildLeft.class)
class InitializerTest {

    /** Counts initializer runs inside one worker JVM. */
    static final class Runs {
        static final AtomicInteger COUNT = new AtomicInteger();
    }

    /** What the initializer leaves in a worker. */
    record Model(long pid, int run, String name) {
    }

    record Load(String name) implements Task<Model> {
        @Override
        public Model call() {
            return new Model(ProcessHandle.current().pid(), Runs.COUNT.incrementAndGet(), name);
        }
    }

    /** What a task sees: its worker's state, its own pid, how often the initializer ran in its JVM. */
    record Seen(Model state, long pid, int runs) {
    }

    record Look(long millis) implements Task<Seen> {
        @Override
        public Seen call() throws InterruptedException {
            Thread.sleep(millis);
            Model m = TaskContext.current().workerState(Model.class);
            return new Seen(m, ProcessHandle.current().pid(), Runs.COUNT.get());
        }
    }

    record Crash() implements Task<Void> {
        @Override
        public Void call() {
            Runtime.getRuntime().halt(9);
            return null;
        }
    }

    record Refuse() implements Task<Object> {
        @Override
        public Object call() {
            throw new IllegalStateException("no model at /nowhere/model.bin");
        }
    }

    @Test
    void runsOnceInEachWorkerAndAgainInEachReplacement() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("init").workers(2).maxAttempts(1)
                .initializer(new Load("resnet")).build()) {
            Set<Long> before = new HashSet<>();
            List<TaskFuture<Seen>> first = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                first.add(pool.submit(new Look(20)));
            }
            for (TaskFuture<Seen> f : first) {
                Seen s = f.get(60, TimeUnit.SECONDS);
                assertThat(s.state().name()).isEqualTo("resnet");
                assertThat(s.state().pid()).as("it ran in the task's own worker").isEqualTo(s.pid());
                assertThat(s.runs()).as("once per worker").isEqualTo(1);
                assertThat(s.state().run()).isEqualTo(1);
                before.add(s.pid());
            }
            assertThat(before).hasSize(2);

            assertThatThrownBy(() -> pool.submit(new Crash()).get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(WorkerCrashedException.class);
            // its replacement is ready once both workers are idle again: it ran the initializer before its HELLO
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.stats().idle() == 2);
            Set<Long> after = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                Seen s = pool.submit(new Look(20)).get(60, TimeUnit.SECONDS);
                assertThat(s.state().pid()).isEqualTo(s.pid());
                assertThat(s.runs()).isEqualTo(1);
                after.add(s.pid());
            }
            after.removeAll(before);
            assertThat(after).as("the replacement ran it too").isNotEmpty();
            assertThat(pool.stats().restarts()).isEqualTo(1);
        }
    }

    @Test
    void aFailingInitializerFailsBuildWithItsError() {
        assertThatThrownBy(() -> TaskPool.builder().name("noinit").workers(2).initializer(new Refuse()).build())
                .hasMessageContaining("failed to start")
                .hasMessageContaining("IllegalStateException: no model at /nowhere/model.bin");
    }

    @Test
    void withoutAnInitializerATaskIsToldSo() {
        try (TaskPool pool = TaskPool.builder().name("noinit2").workers(1).build()) {
            assertThatThrownBy(() -> pool.submit(new Look(0)).join())
                    .hasMessageContaining("has no state").hasMessageContaining("initializer");
        }
    }
}
