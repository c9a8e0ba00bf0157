package io.procpool.runtime.dispatch;

/**
 * A completion step of one key (a task), ordered with the others of its key: registered with the key when handed
 * to the {@link Completer} (so the key's order is the hand order), in a list through the steps themselves (nothing
 * else allocated).
 */
class Delivery implements Runnable {
    final Ordered key;
    private final Runnable action;
    CompletionBatch batch;  // set when handed
    boolean taken;  // guarded by the key
    Delivery next;  // the key's next step; guarded by the key

    Delivery(Ordered key, Runnable action) {
        this.key = key;
        this.action = action;
    }

    /** For a step that is its own action (it overrides {@link #run}): one object per step, not two. */
    Delivery(Ordered key) {
        this(key, null);
    }

    @Override
    public void run() {
        action.run();
    }
}
