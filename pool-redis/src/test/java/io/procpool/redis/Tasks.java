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

    /** Throws. */
    record Throws(String message) implements Task<String> {
        @Override
        public String call() {
            throw new IllegalStateException(message);
        }
    }
}
