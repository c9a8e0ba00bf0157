package io.procpool.examples.cli;

import io.procpool.Task;

/**
 * The demo's worker initializer: hashes a chain of {@code rounds} SHA-256 rounds in every worker before it says it
 * is ready, so that a spare or a replacement takes its first item with the hashing code compiled. Side-effect free:
 * it only warms the JIT, which is why it may run in every worker (a replay of real items would not be).
 */
record WarmUp(int rounds) implements Task<Long> {

    @Override
    public Long call() {
        return HashChain.compute(-1, rounds);
    }
}
