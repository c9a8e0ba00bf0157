package io.procpool.runtime.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.procpool.PoolFailedException;
import io.procpool.PoolStats;
import io.procpool.RejectReason;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.TaskRejectedException;
import io.procpool.runtime.process.Spawner;
import io.procpool.runtime.supervise.Durations;
import io.procpool.runtime.supervise.Launcher;
import io.procpool.runtime.supervise.Supervised;
import io.procpool.runtime.supervise.Supervisor;
import io.procpool.runtime.supervise.WorkerKind;
import org.slf4j.Logger;

/**
 * The pool's engine: admission and the run state, credits and dispatch, replies and completion. Jobs come from a
 * {@link JobSource} (submitters serialize their task and put it in the bounded {@link MemoryQueue}); everything else
 * runs on the spawner's I/O thread without locks: dispatch (a worker holds at most capacity + prefetch tasks,
 * several TASK frames go out in one write), replies ({@link Replies}, line mode in {@link LineMode}), what a dead
 * worker held ({@link Losses}), timeouts and cancels ({@link CancelLadder}), shutdown ({@link ShutdownNow},
 * {@link Lifecycle}). Futures are completed through each job's {@link JobSink} by {@link Completions}, a batch of
 * replies at a time: on the I/O thread while callbacks are quick, else on the {@link Completer}. The workers
 * themselves (start, exits, restarts, recycling, spares, size) are the {@link Supervisor}'s, which tells this engine
 * what happened through {@link Supervised}.
 */
public final class PoolEngine {

    private static final Logger LOG = io.procpool.runtime.process.Logs.logger(PoolEngine.class);

    enum RunState { STARTING, RUNNING, SHUTDOWN, STOP, TERMINATED }

    /** Turns a RESULT or EVENT body into the value the caller sees. */
    @FunctionalInterface
    public interface Decoder {
        Object decode(byte[] body);
    }

    final PoolConfig cfg;
    /** Line mode: its writes, replies and checks; null for other kinds. */
    final LineMode lines;
    final Spawner spawner;
    final Supervisor<Worker> supervisor;
    final CancelLadder cancels = new CancelLadder(this);
    /** Every future's way to the cancel ladder: one object, not a bound method reference per task. */
    final TaskFuture.Canceller canceller = cancels::onCancel;
    final Replies replies;
    final Losses losses = new Losses(this);
    final Lifecycle lifecycle = new Lifecycle(this);
    private final Admission admission = new Admission(this);
    private final Dispatcher dispatcher = new Dispatcher(this);
    /** The pool's own bounded queue: where submit puts jobs; null when the jobs come from another source. */
    final MemoryQueue memory;
    final JobSource source;
    final FutureSink sink;
    final Completer completer;
    final AtomicLong ids = new AtomicLong();
    volatile RunState state = RunState.STARTING;
    volatile String failure;
    final Listeners listeners;

    // I/O thread only
    final InFlight inFlight = new InFlight();
    private final Completions completions;
    final ShutdownNow stopper = new ShutdownNow(this);

    private final WorkerCounts counts = new WorkerCounts();

    public PoolEngine(PoolConfig cfg, Decoder results, Decoder events) {
        this(cfg, results, events, null);
    }

    /**
     * An engine whose jobs come from {@code source}; null for the pool's own bounded queue, the only source
     * {@link #submit} can put jobs in.
     */
    public PoolEngine(PoolConfig cfg, Decoder results, Decoder events, JobSource source) {
        this.cfg = cfg;
        this.replies = new Replies(this, events);
        this.lines = cfg.kind() != WorkerKind.LINE ? null : new LineMode(this, cfg.name());
        this.spawner = Spawner.create(cfg.name());
        this.completer = new Completer(cfg.name());
        this.completions = new Completions(spawner, completer);
        this.listeners = new Listeners(cfg.name(), cfg.listeners());
        this.sink = new FutureSink(cfg.name(), results, listeners);
        this.memory = source == null ? new MemoryQueue(cfg.queueCapacity(), cfg.maxQueuedBytes(),
                cfg.queueFullPolicy()) : null;
        this.source = source == null ? memory : source;
        Launcher launcher = new Launcher(cfg.name(), cfg.kind(), cfg.command(), cfg.directory(),
                cfg.inheritEnvironment(), cfg.environment(), cfg.maxMessageSize(), cfg.heartbeatTimeout(), cfg.cds());
        this.supervisor = new Supervisor<>(cfg.supervision(), launcher, spawner, new Upcalls(this), listeners,
                Worker[]::new);
        this.source.open(this::scheduleDispatch);
    }

    /**
     * JVM workers: the INIT frame's body (a serialized initializer task) that each worker gets first; its command must
     * say {@code -Dprocpool.init=true}. Before {@link #start()}.
     */
    public void initializer(byte[] body) {
        supervisor.initializer(body);
    }

    /**
     * Starts every worker and waits until all said HELLO.
     *
     * @throws PoolFailedException with the reason and the worker's stderr when one cannot start
     */
    public void start() {
        boolean inTime;
        try {
            // each worker's own start-up timer fails it with its stderr tail; this is the backstop
            inTime = supervisor.startAll(cfg.startupTimeout().plusSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = cfg.name() + " - interrupted while starting the workers";
            inTime = false;
        }
        String why = failure;
        if (why == null && !inTime) {
            why = cfg.name() + " - workers did not say HELLO within the startup timeout of "
                    + Durations.text(cfg.startupTimeout()) + "; raise startupTimeout or check the workers' log lines";
        }
        if (why != null) {
            failure = why;
            shutdownNow();
            try {
                awaitTermination(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new PoolFailedException(why);
        }
        state = RunState.RUNNING;
        lifecycle.started();
        supervisor.running();
        if (cfg.lineCheck() != null) {
            spawner.scheduleEvery(Duration.ofMillis(10), lines::checkWorkers);
        }
        LOG.info("{} - started {} (max {}, capacity {}, prefetch {})", cfg.name(),
                Durations.count(cfg.supervision().initialWorkers(), "worker"), supervisor.resizing().maxWorkers(),
                cfg.capacity(), cfg.prefetch());
    }

    // ================================================================================= submit

    /**
     * Queues a task whose {@code body} (2 bytes reserved in front for the attempt number) is ready to send.
     *
     * @throws io.procpool.MessageTooLargeException when the body is over maxMessageSize
     * @throws TaskRejectedException when the queue is full (REJECT), the submitter is interrupted, or the pool is
     *                               shut down
     * @throws PoolFailedException   when the pool failed
     */
    public <R> TaskFuture<R> submit(Object task, byte[] body, TaskOptions options) {
        return admission.submit(task, body, options);
    }

    /** Tells the listeners that a task was refused before it reached the engine (it could not be encoded). */
    public void rejected(RejectReason reason) {
        listeners.taskRejected(reason);
    }

    /** Throws when the pool takes no new task: shut down, or failed. */
    public void checkAccepting() {
        admission.checkAccepting();
    }


    void scheduleDispatch() {
        dispatcher.schedule();
    }

    /** Line mode: ends the worker's input once all written requests are out: it finishes and exits. */
    void endInput(Worker w) {
        if (cfg.kind() == WorkerKind.LINE) {
            lines.endInput(w);
        } else {
            w.child.shutdownChannel();
        }
    }

    // ================================================================================= I/O thread: replies

    /**
     * I/O thread: {@code w} answered {@code j}: {@code answer} is the step that completes its future after this turn
     * (made by the caller, before the job leaves inFlight: a full heap fails its task, not the bookkeeping), or null
     * in checked line mode, where {@code body} waits in the worker's ledger.
     */
    void onReply(Worker w, Job j, byte[] body, Delivery answer) {
        inFlight.remove(j.id);
        w.held.remove(j);
        if (j.timer != null) {
            j.timer.cancel();
        }
        j.endNanos = w.lastHeardNanos;
        if (w.held.isEmpty()) {
            w.idleSinceNanos = j.endNanos;
        }
        w.tasksDone++;
        try {
            supervisor.recycling().afterTask(w);
        } catch (OutOfMemoryError full) {
            // the job has left the books: its answer below is queued whatever failed here (a recycling cut short
            // by a full heap stays as far as it got)
        }
        scheduleDispatch();  // first: the worker's next task goes out before this turn's callbacks run
        if (w.ledger != null) {
            w.ledger.add(j, body);  // believed at its exit, if it proves in step (line mode: never an ERROR)
        } else {
            j.answered();
            complete(answer);
        }
    }

    void onHello(Worker w) {
        supervisor.onHello(w);
    }

    void protocolError(Worker w, String what, String received) {
        supervisor.protocolError(w, what, received);
    }

    /** Queues a step of {@code j}'s completion (ordered with its others: events, then its end) for the completer. */
    void complete(Job j, Runnable r) {
        complete(new Delivery(j, r));
    }

    /**
     * I/O thread: queues a completion ({@link Completions}: run on this thread while quick, else on the completer). A
     * plain runnable is a barrier: it runs once the futures of everything queued before it are done.
     */
    void complete(Runnable r) {
        completions.add(r);
    }

    /** I/O thread: room for one more completion, made now: the {@link #complete} that follows cannot fail. */
    void reserveCompletion() {
        completions.reserve();
    }

    /** I/O thread: hands what is queued to the completer now (not a call-out: the caller goes on). */
    void flushCompletions() {
        completions.flush();
    }

    /**
     * I/O thread: decides the job's outcome now; its future completes after this turn ({@link Completions}). What may
     * fail for want of memory comes first: a settle that throws leaves the job unsettled, for whoever comes next.
     */
    void settle(Job j, Throwable t) {
        Delivery failure = new Delivery(j, () -> j.sink.failed(j, t));
        completions.reserve();
        j.settled = true;
        j.endNanos = System.nanoTime();
        if (j.timer != null) {
            j.timer.cancel();
        }
        complete(failure);
    }

    /**
     * I/O thread: a job its worker's death gave back: settled at once when the pool stops or failed, else back to the
     * source (collected in {@code back}), using an attempt when {@code charged}. False when it has no attempt left:
     * the caller fails it.
     */
    boolean requeue(Job j, List<Job> back, boolean charged) {
        return losses.requeue(j, back, charged);
    }

    boolean workLeft() {
        // checked line mode drains by ending every worker's input at once: a request in flight is its own worker's,
        // and comes back to the queue if that worker fails it
        return !source.isEmpty() || !inFlight.isEmpty() && cfg.lineCheck() == null;
    }

    // ================================================================================= lifecycle

    public void shutdown() {
        lifecycle.shutdown();
    }

    /**
     * Stops everything: cancels what waits, kills every worker, and returns the tasks that never started (see
     * {@link ShutdownNow}).
     */
    public List<Object> shutdownNow() {
        synchronized (this) {
            if (state.ordinal() < RunState.STOP.ordinal()) {
                state = RunState.STOP;
            }
        }
        return stopper.call();
    }

    List<Job> drainQueued() {
        return source.drain();
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return lifecycle.awaitTermination(timeout);
    }

    public boolean isShutdown() {
        return state.ordinal() >= RunState.SHUTDOWN.ordinal() || failure != null;
    }

    public boolean isTerminated() {
        return state == RunState.TERMINATED;
    }

    /** Whether the caller runs on one of the pool's own threads (I/O or completer): it must not wait for the pool. */
    public boolean onOwnThread() {
        return spawner.inIoThread() || completer.isCurrentThread();
    }

    /** Whether the pool failed (crash-loop breaker, or workers that cannot start). */
    public boolean failed() {
        return failure != null;
    }

    /** Runs {@code r} once the pool has terminated (at once if it has). */
    public void whenTerminated(Runnable r) {
        lifecycle.whenTerminated(r);
    }

    /**
     * Changes the pool's size: at least {@code min} workers run, up to {@code max} while tasks wait. Workers above
     * the new maximum finish what they hold, then exit (idle ones first); missing ones start now.
     */
    public void resize(int min, int max) {
        if (min < 0 || max < 1 || min > max || max > 1024) {
            throw new IllegalArgumentException("resize needs 0 <= min <= max, 1 <= max <= 1024; was min " + min
                    + ", max " + max);
        }
        spawner.execute(() -> {
            if (state == RunState.RUNNING) {
                supervisor.resizing().resize(min, max);
            }
        });
    }

    // ================================================================================= stats

    /** I/O thread: counts the workers and tasks again, for {@link #stats()}. */
    void updateStats() {
        counts.update(supervisor.slots(), inFlight.size());
    }

    public PoolStats stats() {
        return counts.stats(source.queued(), sink, supervisor);
    }

    String describe() {
        PoolStats s = stats();
        int min = supervisor.resizing().minWorkers();
        int max = supervisor.resizing().maxWorkers();
        return "workers=" + (min == max ? Integer.toString(max) : min + ".." + max) + ", busy=" + s.busy() + ", queued="
                + s.queued() + "/" + cfg.queueCapacity() + (memory == null ? "" : " (" + memory.bytes() + " of "
                + cfg.maxQueuedBytes() + " bytes)");
    }

    /** The process layer below: its reaped count is the pool's zombies-reaped count. */
    public Spawner spawner() {
        return spawner;
    }
}
