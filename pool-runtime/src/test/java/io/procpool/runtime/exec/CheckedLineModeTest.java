package io.procpool.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.procpool.Codec;
import io.procpool.WorkerCrashedException;
import io.procpool.TaskFuture;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Line mode with checked replies: a worker's replies are believed only once its exit proves them in step. The
 * reference shell worker answers {@code twice X} with two lines and {@code none} with none, on purpose.
 */
@ExtendWith(NoChildLeft.class)
class CheckedLineModeTest {

    private static ExecPool.Builder<String, String> shell(int checkEvery, Duration stall) {
        return ExecPool.builder(Codec.utf8(), Codec.utf8()).name("checked")
                .checkedLineMode(checkEvery, stall)
                .command("sh", TestPrograms.WORKERS.resolve("shell/line_worker.sh").toString());
    }

    /** Each future holds its own echo, or failed as out of step; never another request's answer. */
    private static int assertNoneShifted(List<TaskFuture<String>> futures, int skip) throws Exception {
        int failed = 0;
        for (int i = 0; i < futures.size(); i++) {
            if (i == skip) {
                continue;
            }
            Throwable t = catchThrowable(futures.get(i)::get);
            if (t == null) {
                assertThat(futures.get(i).get()).as("request " + i).isEqualTo(Integer.toString(i));
            } else {
                // what it answered since its last check is out of step; what it held when caught, its own failure
                assertThat(t).as("request " + i).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(WorkerCrashedException.class)
                        .hasMessageMatching("(?s).*(out of step|protocol error|missing reply).*");
                failed++;
            }
        }
        return failed;
    }

    @Test
    void anExtraLineAmongPipelinedRequestsNeverAnswersTheNextOne() throws Exception {
        try (ExecPool<String, String> pool = shell(25, Duration.ofSeconds(30)).workers(2).prefetch(4)
                .maxAttempts(1).build()) {
            List<TaskFuture<String>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                futures.add(pool.submit(i == 37 ? "twice 37" : "echo " + i));
            }
            int failed = assertNoneShifted(futures, -1);
            assertThat(failed).as("request 37 and what its worker answered since its last check").isPositive()
                    .isLessThanOrEqualTo(25 + 5);
            assertThat(catchThrowable(futures.get(37)::get)).isNotNull();
        }
    }

    @Test
    void aMissingReplyIsCaughtAtTheStallAndFailsInsteadOfShifting() throws Exception {
        try (ExecPool<String, String> pool = shell(1000, Duration.ofMillis(300)).workers(1).prefetch(2)
                .maxAttempts(1).build()) {
            List<TaskFuture<String>> futures = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                futures.add(pool.submit(i == 11 ? "none" : "echo " + i));
            }
            Throwable t = catchThrowable(() -> futures.get(11).get(60, TimeUnit.SECONDS));
            assertThat(t).isInstanceOf(ExecutionException.class).hasMessageContaining("missing reply");
            assertNoneShifted(futures, 11);
        }
    }

    @Test
    void aLoneRequestIsAnsweredWhenItsWorkerIdles() throws Exception {
        try (ExecPool<String, String> pool = shell(1000, Duration.ofSeconds(30)).workers(1).build()) {
            assertThat(pool.submit("echo one").get(60, TimeUnit.SECONDS)).isEqualTo("one");
            assertThat(pool.submit("echo two").get(60, TimeUnit.SECONDS)).isEqualTo("two");
            assertThat(pool.stats().recycled()).as("a check per idle moment").isEqualTo(2);
        }
    }

    @Test
    void repliesOfAWorkerThatCrashedAreRunAgainNotBelieved() throws Exception {
        try (ExecPool<String, String> pool = shell(1000, Duration.ofSeconds(30)).workers(1).prefetch(0)
                .maxAttempts(1).build()) {
            List<TaskFuture<String>> futures = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                futures.add(pool.submit("echo " + i));
            }
            TaskFuture<String> crash = pool.submit("exit 3");
            for (int i = 10; i < 20; i++) {
                futures.add(pool.submit("echo " + i));
            }
            assertThat(catchThrowable(() -> crash.get(60, TimeUnit.SECONDS))).hasMessageContaining("exited 3");
            assertThat(assertNoneShifted(futures, -1)).isZero();
            assertThat(pool.stats().restarts()).isEqualTo(1);
        }
    }
}
