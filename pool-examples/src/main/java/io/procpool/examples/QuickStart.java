package io.procpool.examples;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import io.procpool.Task;
import io.procpool.TaskContext;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.runtime.TaskPool;

/** The README's quick start, compiled: a pool of worker JVMs, a lambda task, a record task, a timeout,
 * a worker initializer and a streamed batch. */
public final class QuickStart {

    private QuickStart() {
    }

    /** A task as a record: its fields travel to the worker, its result travels back. */
    record WordCount(String text) implements Task<Integer> {
        @Override
        public Integer call() {
            return text.isBlank() ? 0 : text.trim().split("\\s+").length;
        }
    }

    /** A task that uses its worker's state: the stop words its worker's initializer set up once. */
    record ContentWords(String text) implements Task<Integer> {
        @Override
        public Integer call() {
            Set<?> stopWords = TaskContext.current().workerState(Set.class);
            return (int) Arrays.stream(text.split("\\s+")).filter(w -> !stopWords.contains(w)).count();
        }
    }

    public static void main(String[] args) throws Exception {
        try (TaskPool pool = TaskPool.builder().name("quickstart").workers(2).build()) {
            // a lambda is a task: it runs in a worker JVM, not here
            TaskFuture<Long> pid = pool.submit(() -> ProcessHandle.current().pid());
            // so is a record or a class
            TaskFuture<Integer> words = pool.submit(new WordCount("the quick brown fox"));
            // per-task options: a timeout; progress events come back in order
            TaskFuture<String> slow = pool.submit(() -> {
                for (int step = 1; step <= 3; step++) {
                    TaskContext.current().emit("step " + step);
                }
                return "done";
            }, TaskOptions.timeout(Duration.ofSeconds(10)));
            slow.onEvent(event -> System.out.println("progress: " + event));

            System.out.println("ran in worker pid " + pid.get() + " (this JVM is " + ProcessHandle.current().pid() + ")");
            System.out.println("words: " + words.get());
            System.out.println("slow: " + slow.get());
            System.out.println("all: " + pool.invokeAll(List.of(new WordCount("a b"), new WordCount("c"))).stream()
                    .map(TaskFuture::join).toList());
            System.out.println(pool.stats());
        }
        // per-worker state, set up once in each worker (a model, a dictionary); a batch streamed in input order
        try (TaskPool pool = TaskPool.builder().name("batch").workers(2)
                .initializer(() -> Set.of("the", "a", "of")).build();
             Stream<Integer> counts = pool.map(Stream.of("the cat", "a dog of mine", "fox").map(ContentWords::new))) {
            System.out.println("content words: " + counts.toList());
        }
    }
}
