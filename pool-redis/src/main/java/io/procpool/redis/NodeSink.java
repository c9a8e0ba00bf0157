package io.procpool.redis;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CancellationException;
import java.util.function.Function;

import io.procpool.PoolFailedException;
import io.procpool.TaskFailedException;
import io.procpool.TaskTimeoutException;
import io.procpool.WorkerCrashedException;
import io.procpool.runtime.dispatch.Job;
import io.procpool.runtime.dispatch.JobSink;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a node's jobs end (the pool's completion step: its I/O thread or a completer thread; nothing here blocks): the
 * owned completion script with the reply, the dead-letter stream for a task that used its attempts, and the progress
 * events on the way. A job ends here at most once: only the caller that takes its entry out of what the node holds
 * ({@code forget}) may write its end; a cancel or a lost lease that took it first leaves nothing to write.
 */
final class NodeSink implements JobSink {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSource.class);  // the node's logger, as before the split

    private final NodeQueue queue;
    private final LeaseKeeper keeper;
    private final Function<Job, TaskEntry> forget;
    private final Function<Job, TaskEntry> peek;
    private final java.util.function.BooleanSupplier stopping;

    /**
     * @param forget takes a job's entry out of what the node holds (null when something else ended it first)
     * @param peek   a job's entry while the node holds it (null after)
     * @param stopping whether the node stops (takes no more tasks): a CancellationException then is the pool's stop
     */
    NodeSink(NodeQueue queue, LeaseKeeper keeper, Function<Job, TaskEntry> forget, Function<Job, TaskEntry> peek,
             java.util.function.BooleanSupplier stopping) {
        this.queue = queue;
        this.keeper = keeper;
        this.forget = forget;
        this.peek = peek;
        this.stopping = stopping;
    }

    @Override
    public void succeeded(Job job, byte[] result) {
        TaskEntry e = forget.apply(job);
        if (e == null) {
            return;
        }
        keeper.release(e.entryId());
        complete(e, () -> queue.completeAsync(e, Reply.ok(e.taskId(), job.attempt(), result)));
    }

    @Override
    public void failed(Job job, Throwable t) {
        if (t instanceof CancellationException && stopping.getAsBoolean()) {
            // this node stops (shutdownNow): no reply. RedisNode.shutdownNow gives back the tasks that never started;
            // the others stay held until the source closes, then their lease lapses and another node reclaims them
            return;
        }
        // (a cancel from its submitter or a lost lease took the entry first and never gets here: the end was claimed)
        TaskEntry e = forget.apply(job);
        if (e == null) {
            return;
        }
        keeper.release(e.entryId());
        if (t instanceof PoolFailedException) {
            // this node cannot run tasks any more: no reply; the lease lapses and another node runs it
            return;
        }
        if (t instanceof WorkerCrashedException) {
            complete(e, () -> queue.deadLetterAsync(e.withDeliveries(job.attempt()), t.getMessage()));
            return;
        }
        Reply r;
        if (t instanceof TaskFailedException f) {
            r = Reply.failed(e.taskId(), Reply.Outcome.FAILED, job.attempt(), f.remoteClass(), f.remoteMessage(),
                    f.remoteStackTrace());
        } else if (t instanceof CancellationException) {
            // the task's own code threw it while this node runs on: an answer, or its future would wait forever
            r = Reply.failed(e.taskId(), Reply.Outcome.CANCELLED, job.attempt(), t.getClass().getName(),
                    t.getMessage(), "");
        } else if (t instanceof TaskTimeoutException) {
            r = Reply.failed(e.taskId(), Reply.Outcome.TIMEOUT, job.attempt(), t.getClass().getName(),
                    t.getMessage(), "");
        } else {
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            r = Reply.failed(e.taskId(), Reply.Outcome.FAILED, job.attempt(), t.getClass().getName(),
                    t.getMessage(), w.toString());
        }
        complete(e, () -> queue.completeAsync(e, r));
    }

    /** Forwards a progress event of a held task to its submitter, undecoded (the manager never decodes task bytes). */
    @Override
    public boolean event(Job job, byte[] body) {
        TaskEntry e = peek.apply(job);
        if (e != null) {
            Sends.send(() -> queue.eventAsync(e, job.attempt(), body), (id, x) -> {
                if (x != null) {
                    LOG.debug("{} - an event of task {} was lost: {}", queue.layout().pool(), e.taskId(), x.toString());
                }
            });
        }
        return true;
    }

    /** Sends the completion without waiting: many are in flight at once; the outcome is logged off this thread. */
    private void complete(TaskEntry e,
                          java.util.function.Supplier<java.util.concurrent.CompletableFuture<NodeQueue.Completion>> call) {
        Sends.send(call, (c, x) -> {
            if (x != null) {
                // Redis unreachable: the entry stays pending, its lease lapses, another node runs it again
                LOG.warn("{} - could not complete task {} (entry {}): {}", queue.layout().pool(), e.taskId(),
                        e.entryId(), x.toString());
            } else if (c == NodeQueue.Completion.UNDELIVERABLE) {
                // the entry id only: the task id and reply key are any client's bytes, not for a log line
                LOG.warn("{} - entry {} names a reply key that is not a stream: dead-lettered instead",
                        queue.layout().pool(), e.entryId());
            } else if (c == NodeQueue.Completion.GROUP_GONE) {
                LOG.info("{} - result of entry {} refused: the consumer group is gone (Redis restarted without it, or"
                        + " lost it); its submitter adds the task again", queue.layout().pool(), e.entryId());
            } else if (c != NodeQueue.Completion.ACCEPTED) {
                LOG.info("{} - result of entry {} refused: another node holds it now", queue.layout().pool(),
                        e.entryId());
            }
        });
    }

}
