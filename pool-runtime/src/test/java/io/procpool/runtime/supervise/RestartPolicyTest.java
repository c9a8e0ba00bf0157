package io.procpool.runtime.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitReason;
import org.junit.jupiter.api.Test;

/** The restart policy, the crash-loop breaker and the sizing decisions alone: no process, no clock. */
class RestartPolicyTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final RestartPolicy policy = new RestartPolicy(Duration.ofMillis(100), Duration.ofSeconds(5));

    @Test
    void aHealthySlotRestartsAtOnce() {
        assertThat(policy.delayNanos(0, 0.99)).isZero();
    }

    @Test
    void theBackoffDoublesPerEarlyDeathUpToItsMaximum() {
        assertThat(policy.delayNanos(1, 0.999_999_999)).isBetween(99 * MS, 100 * MS);
        assertThat(policy.delayNanos(2, 0.999_999_999)).isBetween(199 * MS, 200 * MS);
        assertThat(policy.delayNanos(3, 0.999_999_999)).isBetween(399 * MS, 400 * MS);
        assertThat(policy.delayNanos(7, 0.999_999_999)).isBetween(4999 * MS, 5000 * MS);  // 6.4 s, capped
        assertThat(policy.delayNanos(1_000, 0.999_999_999)).isBetween(4999 * MS, 5000 * MS);  // no overflow
    }

    @Test
    void theJitterTakesHalfToAllOfTheBackoff() {
        assertThat(policy.delayNanos(2, 0.0)).isEqualTo(100 * MS);
        assertThat(policy.delayNanos(2, 0.5)).isEqualTo(150 * MS);
    }

    @Test
    void aDeathIsEarlyWhenTheWorkerNeverStartedOrDidNothingForAWhile() {
        long soon = RestartPolicy.HEALTHY_NANOS - 1;
        assertThat(RestartPolicy.early(ExitReason.START_FAILED, false, 0, 0)).isTrue();
        assertThat(RestartPolicy.early(ExitReason.CRASH, true, 0, soon)).isTrue();
        assertThat(RestartPolicy.early(ExitReason.CRASH, true, 1, soon)).isFalse();  // it did a task
        assertThat(RestartPolicy.early(ExitReason.CRASH, true, 0, RestartPolicy.HEALTHY_NANOS)).isFalse();
        // a task's timeout or cancel killed it: the task was at fault, not the worker
        assertThat(RestartPolicy.early(ExitReason.TIMEOUT, true, 0, soon)).isFalse();
        assertThat(RestartPolicy.early(ExitReason.CANCEL, false, 0, 0)).isFalse();
    }

    @Test
    void theBreakerTripsOnMoreThanItsLimitWithinItsWindow() {
        CrashLoopBreaker breaker = new CrashLoopBreaker(2, Duration.ofSeconds(10));
        long t = 1_000_000_000_000L;
        assertThat(breaker.count(t)).isFalse();
        assertThat(breaker.count(t + 1_000 * MS)).isFalse();
        assertThat(breaker.count(t + 2_000 * MS)).isTrue();
        assertThat(breaker.inWindow()).isEqualTo(3);
    }

    @Test
    void theBreakersWindowSlides() {
        CrashLoopBreaker breaker = new CrashLoopBreaker(2, Duration.ofSeconds(10));
        long t = 0;
        assertThat(breaker.count(t)).isFalse();
        assertThat(breaker.count(t + 5_000 * MS)).isFalse();
        assertThat(breaker.count(t + 10_001 * MS)).isFalse();  // the first fell out of the window
        assertThat(breaker.inWindow()).isEqualTo(2);
        assertThat(breaker.count(t + 10_002 * MS)).isTrue();
    }

    @Test
    void aZeroLimitTripsOnTheFirstEarlyDeath() {
        assertThat(new CrashLoopBreaker(0, Duration.ofSeconds(1)).count(42)).isTrue();
    }

    @Test
    void scaleUpStartsEnoughWorkersForTheBacklogWithinTheMaximum() {
        assertThat(Sizing.toStart(8, 1, 0, 0, 1)).isLessThanOrEqualTo(0);
        assertThat(Sizing.toStart(8, 1, 0, 3, 1)).isEqualTo(3);
        assertThat(Sizing.toStart(8, 1, 0, 100, 1)).isEqualTo(7);  // the maximum
        assertThat(Sizing.toStart(8, 1, 0, 5, 2)).isEqualTo(3);    // 5 tasks, 2 credits each: 3 workers
        assertThat(Sizing.toStart(8, 3, 2, 5, 2)).isEqualTo(1);    // 2 of them are starting already
    }

    @Test
    void taskLimitsAndLifetimesGetTenPercentJitter() {
        assertThat(Sizing.taskLimit(100, 0.0)).isEqualTo(90);
        assertThat(Sizing.taskLimit(100, 0.5)).isEqualTo(100);
        assertThat(Sizing.taskLimit(100, 0.999)).isEqualTo(110);
        assertThat(Sizing.taskLimit(1, 0.0)).isEqualTo(1);
        assertThat(Sizing.lifetimeNanos(Duration.ofSeconds(10), 0.0)).isEqualTo(9_000 * MS);
        assertThat(Sizing.lifetimeNanos(Duration.ofSeconds(10), 0.5)).isEqualTo(10_000 * MS);
    }

    @Test
    void heartbeatsComeThreeTimesPerTimeoutAndSilenceIsMeasuredFromTheLastWord() {
        assertThat(Health.heartbeatMillis(Duration.ofSeconds(3))).isEqualTo(1000);
        assertThat(Health.heartbeatMillis(Duration.ofMillis(20))).isEqualTo(10);
        assertThat(Health.silent(1_000, 500, 499)).isTrue();
        assertThat(Health.silent(1_000, 500, 500)).isFalse();
        assertThat(Health.rssBytes(Integer.MAX_VALUE)).isZero();  // no such process
        assertThat(Health.rssBytes((int) ProcessHandle.current().pid())).isPositive();
    }
}
