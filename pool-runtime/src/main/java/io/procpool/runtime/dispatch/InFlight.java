package io.procpool.runtime.dispatch;

import java.util.ArrayList;
import java.util.List;

/**
 * The jobs sent to workers and not yet answered, by task id: an open-addressing map of {@code long} to {@link Job}
 * (linear probing, deletion by shifting back), so that a task in flight costs no boxed id and no map node (a
 * {@code HashMap<Long, Job>} cost some 125 bytes and a sixth of the I/O thread's samples per task). I/O thread only.
 */
final class InFlight {

    private static final int MIN_CAPACITY = 64;

    private long[] ids = new long[MIN_CAPACITY];
    private Job[] jobs = new Job[MIN_CAPACITY];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The job of task {@code id}, or null. */
    Job get(long id) {
        int mask = jobs.length - 1;
        for (int i = slot(id, mask); ; i = (i + 1) & mask) {
            Job j = jobs[i];
            if (j == null || ids[i] == id) {
                return j;
            }
        }
    }

    /** Adds (or replaces) the job of task {@code id}. */
    void put(long id, Job job) {
        if (job == null) {
            throw new NullPointerException("job");
        }
        if ((size + 1) * 4L > jobs.length * 3L) {  // at most three quarters full
            resize(jobs.length * 2);
        }
        int mask = jobs.length - 1;
        for (int i = slot(id, mask); ; i = (i + 1) & mask) {
            if (jobs[i] == null) {
                ids[i] = id;
                jobs[i] = job;
                size++;
                return;
            }
            if (ids[i] == id) {
                jobs[i] = job;
                return;
            }
        }
    }

    /** Removes the job of task {@code id}; returns it, or null when there was none. */
    Job remove(long id) {
        int mask = jobs.length - 1;
        int i = slot(id, mask);
        while (true) {
            Job j = jobs[i];
            if (j == null) {
                return null;
            }
            if (ids[i] == id) {
                shiftBack(i, mask);
                size--;
                if (jobs.length > MIN_CAPACITY && size * 8L < jobs.length) {
                    resize(jobs.length / 2);  // a burst passed: give the memory back
                }
                return j;
            }
            i = (i + 1) & mask;
        }
    }

    /** A copy of the jobs, in no particular order (the caller may add and remove while it walks them). */
    List<Job> values() {
        List<Job> all = new ArrayList<>(size);
        for (Job j : jobs) {
            if (j != null) {
                all.add(j);
            }
        }
        return all;
    }

    /** Empties slot {@code gap} and moves back the entries after it that would no longer be found past the gap. */
    private void shiftBack(int gap, int mask) {
        int i = gap;
        while (true) {
            i = (i + 1) & mask;
            Job j = jobs[i];
            if (j == null) {
                break;
            }
            int home = slot(ids[i], mask);
            // the entry at i may move to the gap unless its home lies cyclically in (gap, i]
            boolean stays = gap <= i ? gap < home && home <= i : gap < home || home <= i;
            if (!stays) {
                ids[gap] = ids[i];
                jobs[gap] = j;
                gap = i;
            }
        }
        jobs[gap] = null;
        ids[gap] = 0;
    }

    private void resize(int capacity) {
        long[] oldIds = ids;
        Job[] oldJobs = jobs;
        ids = new long[capacity];
        jobs = new Job[capacity];
        int mask = capacity - 1;
        for (int k = 0; k < oldJobs.length; k++) {
            if (oldJobs[k] != null) {
                int i = slot(oldIds[k], mask);
                while (jobs[i] != null) {
                    i = (i + 1) & mask;
                }
                ids[i] = oldIds[k];
                jobs[i] = oldJobs[k];
            }
        }
    }

    private static int slot(long id, int mask) {
        long h = id * 0x9E3779B97F4A7C15L;  // Fibonacci hashing: consecutive ids spread over the table
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
