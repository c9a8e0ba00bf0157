package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * A dispatch pass that could not be queued on the I/O thread is asked for again: a manager out of memory once left
 * the flag set, and its pool never dispatched again, with 2,970 tasks queued and both workers idle (session 29).
 */
class DispatcherScheduleTest {

    @Test
    void aPassThatCannotBeQueuedIsQueuedByTheNextScheduleAndOnlyOnce() {
        AtomicInteger tries = new AtomicInteger();
        List<Runnable> queued = new ArrayList<>();
        Dispatcher d = new Dispatcher(null, pass -> {
            if (tries.incrementAndGet() == 1) {
                throw new OutOfMemoryError("test: no node for the loop's task");
            }
            queued.add(pass);
        });
        d.schedule();  // fails inside: nothing queued, the caller (a submitter) is not failed by it
        assertThat(queued).isEmpty();
        d.schedule();
        assertThat(queued).hasSize(1);
        d.schedule();  // one pass is queued already: no second one
        assertThat(tries).hasValue(2);
        assertThat(queued).hasSize(1);
    }
}
