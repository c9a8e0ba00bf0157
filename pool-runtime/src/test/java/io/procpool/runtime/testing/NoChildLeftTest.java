package io.procpool.runtime.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** The extension fails a test that leaves a child, naming it, and waits for a child that is on its way out. */
@ExtendWith(NoChildLeft.class)
class NoChildLeftTest {

    /** Leaves a child running. Only run through the test kit below (surefire skips nested classes). */
    @ExtendWith(NoChildLeft.class)
    static class Leaking {
        static Process child;

        @Test
        void leavesASleepingChild() throws IOException {
            child = new ProcessBuilder("sleep", "120").start();
        }
    }

    /** Ends while its child is still about to exit. */
    @ExtendWith(NoChildLeft.class)
    static class Leaving {
        @Test
        void endsWhileItsChildIsLeaving() throws IOException {
            new ProcessBuilder("sh", "-c", "sleep 0.3").start();
        }
    }

    private static Events run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter").configurationParameter(NoChildLeft.GRACE, "PT2S")
                .selectors(selectClass(testClass)).execute().testEvents();
    }

    @Test
    void aChildLeftRunningFailsTheTestNamingItsPidAndCommandLine() throws Exception {
        try {
            Events events = run(Leaking.class);
            assertThat(events.failed().count()).isOne();
            Throwable failure = events.failed().stream().findFirst().orElseThrow()
                    .getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class).getThrowable()
                    .orElseThrow();
            assertThat(failure).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("1 child of this JVM")
                    .hasMessageContaining("pid " + Leaking.child.pid() + " alive")
                    .hasMessageContaining("sleep 120");
        } finally {
            if (Leaking.child != null) {
                Leaking.child.destroyForcibly();
                assertThat(Leaking.child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void aChildOnItsWayOutIsWaitedFor() {
        Events events = run(Leaving.class);
        assertThat(events.succeeded().count()).isOne();
        assertThat(events.failed().count()).isZero();
    }
}
