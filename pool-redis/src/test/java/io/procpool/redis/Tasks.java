package io.procpool.redis;

import io.procpool.Task;

/** Tasks for the end-to-end tests (records: they travel through Redis to other JVMs). */
final class Tasks {

    private Tasks() {
    }

    /** Sleeps, then returns {index, the pid of the node that ran it (its worker's parent)}. */
    record Sleepy(int index, long millis) implements Task<long[]> {
        @Override
        public long[] call() throws Exception {
            Thread.sleep(millis);
            return new long[] {index, ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L)};
        }
    }

    /** Kills its worker JVM. */
    record Crash() implements Task<String> {
        @Override
        public String call() {
            Runtime.getRuntime().halt(3);
            return "unreachable";
        }
    }

    /** Throws a CancellationException of its own (nobody cancelled it). */
    record ThrowsCancel() implements Task<String> {
        @Override
        public String call() {
            throw new java.util.concurrent.CancellationException("given up by the task itself");
        }
    }

    /** Throws. */
    record Throws(String message) implements Task<String> {
        @Override
        public String call() {
            throw new IllegalStateException(message);
        }
    }

    /**
     * Appends "started &lt;attempt&gt;" to {@code log}, then waits up to a minute; when interrupted (a cancel reached its
     * worker) appends "interrupted" and rethrows.
     */
    record Blocks(String log) implements Task<String> {
        @Override
        public String call() throws Exception {
            append(log, "started " + io.procpool.TaskContext.current().attempt());
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                append(log, "interrupted");
                throw e;
            }
            return "slept";
        }
    }

    /** Waits for {@code gate} to exist (the test's listener is attached), emits 0..n-1, returns n. */
    record Emits(String gate, int n) implements Task<Integer> {
        @Override
        public Integer call() throws Exception {
            while (!java.nio.file.Files.exists(java.nio.file.Path.of(gate))) {
                Thread.sleep(5);  // inside the task: it polls for the test's go-ahead
            }
            for (int i = 0; i < n; i++) {
                io.procpool.TaskContext.current().emit("event-" + i);
            }
            return n;
        }
    }

    /**
     * A poison task that logs each run to {@code log}: its first run kills its worker, its second kills its node's
     * JVM (the worker's parent) too, every later run kills its worker again.
     */
    record Poison(String log) implements Task<String> {
        @Override
        public String call() throws Exception {
            long runs = append(log, ProcessHandle.current().pid() + " attempt "
                    + io.procpool.TaskContext.current().attempt());
            if (runs == 2) {
                ProcessHandle.current().parent().ifPresent(ProcessHandle::destroyForcibly);
                ProcessHandle.current().parent().ifPresent(p -> p.onExit().join());
            }
            Runtime.getRuntime().halt(3);
            return "unreachable";
        }
    }

    /** Appends a line to a file; returns how many lines it has now. */
    static long append(String file, String line) throws java.io.IOException {
        java.nio.file.Path p = java.nio.file.Path.of(file);
        java.nio.file.Files.writeString(p, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        return java.nio.file.Files.readAllLines(p).size();
    }
}
