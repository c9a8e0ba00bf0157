package io.procpool.runtime.dispatch;

import java.time.Duration;

/** Jobs for the unit tests of dispatch's containers: no future, no process, a sink that does nothing. */
final class TestJobs {

    private static final JobSink NONE = new JobSink() {
        @Override
        public void succeeded(Job job, byte[] result) {
        }

        @Override
        public void failed(Job job, Throwable error) {
        }
    };

    private TestJobs() {
    }

    static Job job(long id) {
        return job(id, 2);
    }

    /** A job whose encoded task is {@code bytes} long. */
    static Job job(long id, int bytes) {
        return new Job(id, "task " + id, new byte[bytes], (Duration) null, 3, 1, NONE);
    }
}
