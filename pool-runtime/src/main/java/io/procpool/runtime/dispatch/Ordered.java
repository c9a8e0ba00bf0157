package io.procpool.runtime.dispatch;

/**
 * What one key's deliveries on the {@link Completer} synchronize on: a task's events and completion never overlap or
 * reorder. Its fields are the {@link Completer}'s.
 */
abstract class Ordered {
    /** Whether this key's outcome is decided (a task whose future is done): what a barrier need not wait for. */
    abstract boolean settled();

    boolean delivering;  // guarded by this
    Delivery first;  // its steps handed and not yet taken, in hand order, through Delivery.next; ditto
    Delivery last;
}
