package io.procpool.runtime.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolListener;
import io.procpool.RejectReason;
import io.procpool.TaskOutcome;
import io.procpool.WorkerInfo;
import org.slf4j.Logger;

/**
 * The pool's listeners as one. A listener that throws is logged (once per listener and event kind, then at debug)
 * and otherwise ignored: an observer must not break the pool. With no listener every call returns at once, and
 * {@link #active} lets the hot path skip building an event's arguments.
 */
final class Listeners implements PoolListener {

    private static final Logger LOG = io.procpool.runtime.process.Logs.logger(Listeners.class);

    private final String pool;
    private final PoolListener[] all;
    final boolean active;
    /** Whether any listener hears taskStarted: when none does, the I/O thread does not build its arguments. */
    final boolean taskStartedHeard;
    private volatile boolean warned;

    Listeners(String pool, List<PoolListener> listeners) {
        this.pool = pool;
        this.all = listeners.toArray(new PoolListener[0]);
        this.active = all.length > 0;
        boolean heard = false;
        for (PoolListener l : all) {
            heard |= overrides(l, "taskStarted", long.class, String.class, int.class, Duration.class);
        }
        this.taskStartedHeard = heard;
    }

    private static boolean overrides(PoolListener l, String method, Class<?>... parameters) {
        try {
            return l.getClass().getMethod(method, parameters).getDeclaringClass() != PoolListener.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }

    private void each(String event, Consumer<PoolListener> call) {
        for (PoolListener l : all) {
            try {
                call.accept(l);
            } catch (Throwable e) {  // an AssertionError too: a listener's failure is its own, never a worker's
                failed(l, event, e);
            }
        }
    }

    private void failed(PoolListener l, String event, Throwable e) {
        if (!warned) {
            warned = true;
            LOG.warn("{} - listener {} threw on {}; ignored (further failures at debug level)", pool, l, event, e);
        } else {
            LOG.debug("{} - listener {} threw on {}", pool, l, event, e);
        }
    }

    @Override
    public void workerStarted(WorkerInfo worker) {
        each("workerStarted", l -> l.workerStarted(worker));
    }

    @Override
    public void workerReady(WorkerInfo worker, Duration startup) {
        each("workerReady", l -> l.workerReady(worker, startup));
    }

    @Override
    public void workerExited(WorkerInfo worker, ExitStatus status, ExitReason reason) {
        each("workerExited", l -> l.workerExited(worker, status, reason));
    }

    @Override
    public void workerRestarted(WorkerInfo worker, ExitReason reason) {
        each("workerRestarted", l -> l.workerRestarted(worker, reason));
    }

    @Override
    public void poolFailed(String why) {
        each("poolFailed", l -> l.poolFailed(why));
    }

    @Override
    public void taskSubmitted(long taskId) {
        for (PoolListener l : all) {  // the hot path: no lambda
            try {
                l.taskSubmitted(taskId);
            } catch (Throwable e) {  // an AssertionError too: a listener's failure is its own, never a worker's
                failed(l, "taskSubmitted", e);
            }
        }
    }

    @Override
    public void taskRejected(RejectReason reason) {
        each("taskRejected", l -> l.taskRejected(reason));
    }

    @Override
    public void taskStarted(long taskId, String workerId, int attempt, Duration queueWait) {
        each("taskStarted", l -> l.taskStarted(taskId, workerId, attempt, queueWait));
    }

    @Override
    public void taskRetried(long taskId, int nextAttempt) {
        each("taskRetried", l -> l.taskRetried(taskId, nextAttempt));
    }

    @Override
    public void taskEnded(long taskId, TaskOutcome outcome, Duration queueWait, Duration execution) {
        for (PoolListener l : all) {  // the hot path: no lambda
            try {
                l.taskEnded(taskId, outcome, queueWait, execution);
            } catch (Throwable e) {  // an AssertionError too: a listener's failure is its own, never a worker's
                failed(l, "taskEnded", e);
            }
        }
    }
}
