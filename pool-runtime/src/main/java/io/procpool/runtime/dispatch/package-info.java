/**
 * The dispatch layer: admission and the run state ({@link io.procpool.runtime.dispatch.PoolEngine}, its
 * {@code Admission} and {@code Lifecycle}), the job source ({@link io.procpool.runtime.dispatch.JobSource}: the
 * in-memory bounded queue today, a distributed queue for scale-out), credits and the jobs each worker holds
 * ({@code Dispatcher}), replies, what a dead worker held ({@code Losses}: retries and give-backs), timeouts and the
 * cancel ladder, and completion through each job's {@link io.procpool.runtime.dispatch.JobSink}. Submission runs on
 * the caller's thread; everything else on the process layer's I/O thread, without locks; futures complete on the
 * {@code Completer} thread, never the I/O thread. It uses supervision below it (which tells it of workers through
 * {@code Upcalls}) and never reaches metrics.
 */
package io.procpool.runtime.dispatch;
