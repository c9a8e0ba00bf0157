package io.procpool.runtime.worker;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/**
 * Waits in {@code poll(2)} until the channel has something to read, before the worker's blocking {@code read(2)}.
 *
 * <p>Why: a thread blocked in {@code read(2)} on a Unix socket sleeps on the socket's one wait queue without an event
 * filter, and the kernel wakes that queue with "room to write" ({@code unix_write_space}) each time the manager reads
 * what this worker wrote. An idle worker's reader was so woken, found nothing, and slept again: a context switch
 * (and a wake-up paid by the manager's I/O thread inside its {@code recv}) for every answer the manager read while
 * the worker waited; about as many as the real wake-ups by a TASK (counted with {@code sched:sched_wakeup}). A
 * waiter in {@code poll(2)} for {@code POLLIN} is woken only by data, an error or the end.
 *
 * <p>The JDK has no public {@code poll} of a descriptor that is not a channel (and the worker's descriptor must stay
 * a {@link java.io.FileInputStream}: a channel closes when a cancelled task's thread is interrupted), so this calls
 * {@code sun.nio.ch.Net.poll}, opened to the worker by its command line ({@code WorkerJvm.required}). Without it
 * (another JDK, the option missing) {@link #await} does nothing and reads block as before. Resolved by
 * {@link #prepare} off the start-up path: it costs some 8 ms of a cold JVM.
 */
final class PollIn {

    /** {@code int poll(FileDescriptor, int events, long timeoutMillis)}; null: plain blocking reads. */
    private static volatile MethodHandle poll;
    private static volatile int pollin;

    private PollIn() {
    }

    /** Looks the poll up once; after it {@link #await} waits in poll(2) when the JDK lets it. */
    static void prepare() {
        if (poll != null) {
            return;
        }
        try {
            Class<?> net = Class.forName("sun.nio.ch.Net");
            Method m = net.getDeclaredMethod("poll", FileDescriptor.class, int.class, long.class);
            m.setAccessible(true);
            pollin = net.getField("POLLIN").getShort(null);
            poll = MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError unavailable) {
            // not this JDK's, or not opened to us: reads block in read(2), as they did
        }
    }

    /** Whether {@link #await} polls (tests). */
    static boolean active() {
        return poll != null;
    }

    /**
     * Returns once {@code fd} is readable (data, end of stream or an error: the read that follows tells which), at
     * once when the poll is not available or fails.
     */
    static void await(FileDescriptor fd) {
        MethodHandle p = poll;
        if (p == null) {
            return;
        }
        try {
            int ignored = (int) p.invokeExact(fd, pollin, -1L);
        } catch (Throwable failed) {  // an IOException from poll(2): the read that follows reports the channel's state
            // nothing to do here
        }
    }
}
