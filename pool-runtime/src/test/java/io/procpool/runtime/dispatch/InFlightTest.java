package io.procpool.runtime.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The map of jobs in flight alone: no process. */
class InFlightTest {

    @Test
    void agreesWithAHashMapOverRandomPutsAndRemoves() {
        SplittableRandom random = new SplittableRandom(16);
        InFlight map = new InFlight();
        Map<Long, Job> expected = new HashMap<>();
        long next = 1;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            if (op < 4 || expected.isEmpty()) {  // a new task, in id order as the pool makes them, or any id
                long id = random.nextInt(4) == 0 ? random.nextLong() : next++;
                Job j = TestJobs.job(id);
                map.put(id, j);
                expected.put(id, j);
            } else if (op < 8) {  // an answer: a random held id, or one never sent
                long id = random.nextInt(5) == 0 ? -random.nextLong(1, Long.MAX_VALUE) : next - 1 - random.nextInt(64);
                assertThat(map.remove(id)).isSameAs(expected.remove(id));
            } else {
                long id = next - 1 - random.nextInt(128);
                assertThat(map.get(id)).isSameAs(expected.get(id));
            }
            assertThat(map.size()).isEqualTo(expected.size());
        }
        for (Map.Entry<Long, Job> e : expected.entrySet()) {
            assertThat(map.get(e.getKey())).isSameAs(e.getValue());
        }
        assertThat(map.values()).containsExactlyInAnyOrderElementsOf(expected.values());
    }

    @Test
    void growsAndShrinksThroughABurstAndFindsEveryJob() {
        InFlight map = new InFlight();
        for (long id = 0; id < 10_000; id++) {
            map.put(id, TestJobs.job(id));
        }
        assertThat(map.size()).isEqualTo(10_000);
        for (long id = 0; id < 10_000; id += 2) {
            assertThat(map.remove(id).id()).isEqualTo(id);
        }
        for (long id = 1; id < 10_000; id += 2) {
            assertThat(map.get(id).id()).isEqualTo(id);
            assertThat(map.get(id - 1)).isNull();
        }
        for (long id = 1; id < 10_000; id += 2) {
            map.remove(id);
        }
        assertThat(map.isEmpty()).isTrue();
        assertThat(map.values()).isEmpty();
        map.put(0, TestJobs.job(0));  // id 0 and a negative id are ids like any other
        map.put(-5, TestJobs.job(-5));
        assertThat(map.get(0).id()).isZero();
        assertThat(map.get(-5).id()).isEqualTo(-5);
        assertThat(map.remove(7)).isNull();
    }

    @Test
    void replacesTheJobOfAnIdAlreadyHeld() {
        InFlight map = new InFlight();
        Job a = TestJobs.job(3);
        Job b = TestJobs.job(3);
        map.put(3, a);
        map.put(3, b);
        assertThat(map.size()).isEqualTo(1);
        assertThat(map.get(3)).isSameAs(b);
    }
}
