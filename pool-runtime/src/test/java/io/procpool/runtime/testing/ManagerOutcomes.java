package io.procpool.runtime.testing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.procpool.runtime.TaskPool;

/**
 * What a test's manager JVM prints of its futures, then exits: one line per outcome class, then
 * {@code <name>: all N tasks ended, pool serving}, exit 0; or {@code PENDING} and exit 1 when a future stays pending.
 */
final class ManagerOutcomes {

    private ManagerOutcomes() {
    }

    /** {@code value}: what a successful outcome is called; {@code stopNow}: shutdownNow, else close. */
    static void report(String name, TaskPool pool, List<? extends Future<?>> futures, long seconds, String value,
                       boolean stopNow) throws InterruptedException {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < futures.size(); i++) {
            String outcome;
            try {
                outcome = value + " " + futures.get(i).get(seconds, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                outcome = e.getCause().getClass().getSimpleName();
            } catch (TimeoutException e) {
                System.out.println("PENDING future " + i + " after " + seconds + " s");
                System.exit(1);
                return;
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        outcomes.forEach((k, v) -> System.out.println(k + ": " + v));
        boolean serving = !pool.isShutdown();
        if (stopNow) {
            pool.shutdownNow();
        } else {
            pool.close();
        }
        boolean ended = pool.awaitTermination(Duration.ofSeconds(30));
        System.out.println(name + ": all " + futures.size() + " tasks ended, "
                + (serving ? "pool serving" : "POOL DOWN") + (ended ? "" : ", NOT TERMINATED"));
        System.exit(serving && ended ? 0 : 1);
    }
}
