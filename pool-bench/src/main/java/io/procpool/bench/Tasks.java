package io.procpool.bench;

import io.procpool.Task;

/** The tasks the benchmarks send: the same shapes as PoolBench's. */
final class Tasks {

    private Tasks() {
    }

    /** Returns nothing, does nothing. */
    record Noop() implements Task<Void> {
        @Override
        public Void call() {
            return null;
        }
    }

    /** Returns its payload. */
    record Echo(byte[] data) implements Task<byte[]> {
        @Override
        public byte[] call() {
            return data;
        }
    }
}
