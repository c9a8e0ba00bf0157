package io.procpool.runtime.testing;

import io.procpool.Task;

/** A task that carries {@code data} (its size is what the test wants queued) and answers its length. */
public record Blob(byte[] data) implements Task<Integer> {
    @Override
    public Integer call() {
        return data.length;
    }
}
