package io.procpool.runtime.dispatch;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.procpool.ExitReason;
import io.procpool.ExitStatus;
import io.procpool.PoolFailedException;
import io.procpool.PoolStats;
import io.procpool.RejectReason;
import io.procpool.SpawnException;
import io.procpool.Task;
import io.procpool.TaskFailedException;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.TaskRejectedException;
import io.procpool.WorkerCrashedException;
import io.procpool.WorkerInfo;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.Spawner;
import io.procpool.runtime.supervise.Launcher;
import io.procpool.runtime.supervise.WorkerHandler;
import io.procpool.runtime.supervise.CrashLoopBreaker;
import io.procpool.runtime.supervise.Health;
import io.procpool.runtime.supervise.RestartPolicy;
import io.procpool.runtime.supervise.Sizing;
import io.procpool.runtime.supervise.Slots;
import io.procpool.runtime.supervise.SpareKeeper;
import io.procpool.runtime.supervise.WorkerKind;
import io.procpool.runtime.wire.Protocol;
import io.procpool.runtime.wire.Quoting;
import org.slf4j.Logger;

/**
 * The pool's engine. Jobs come from a {@link JobSource} (submitters serialize their task and put it in the bounded
 * {@link MemoryQueue}); everything else runs on the spawner's I/O thread without locks: dispatch (credits: a worker
 * holds at most capacity + prefetch tasks, several TASK frames go out in one write), replies ({@link Replies}, line
 * mode in {@link LineMode}), worker exits (requeue or retry what the dead worker held, start a replacement),
 * timeouts and cancels ({@link CancelLadder}), shutdown ({@link ShutdownNow}). Futures are completed through each
 * job's {@link JobSink} on the {@link Completer} thread, one hand-off per batch of replies. Worker processes, their
 * launch, the slot table and the restart, breaker, sizing and health rules come from the supervise package.
 */
public final class PoolEngine {

    private static final Logger LOG = io.procpool.runtime.process.Logs.logger(PoolEngine.class);
    /** How long a worker may live on after its channel ended before it is killed: its exit is normally a moment away. */
    private static final long CHANNEL_END_GRACE_MILLIS = 1000;

    enum RunState { STARTING, RUNNING, SHUTDOWN, STOP, TERMINATED }

    /** Turns a RESULT or EVENT body into the value the caller sees. */
    @FunctionalInterface
    public interface Decoder {
        Object decode(byte[] body);
    }

    final PoolConfig cfg;
    private final Decoder results;
    private final Decoder events;
    /** Line mode: its writes, replies and checks; null for other kinds. */
    private final LineMode lines;
    final Spawner spawner;
    private final Launcher launcher;
    final CancelLadder cancels = new CancelLadder(this);
    private final Replies replies;
    private final WorkerHandler<Worker> handler = new WorkerHandler<>() {
        @Override
        public void onMessage(Worker w, ByteBuffer message) {
            replies.onMessage(w, message);
        }

        @Override
        public void onLine(Worker w, String line) {
            lines.onLine(w, line);
        }

        @Override
        public void onOversize(Worker w, long size) {
            protocolError(w, "a frame of length " + size + ", over maxMessageSize "
                    + (cfg.maxMessageSize() - Protocol.HEADER) + " (+ " + Protocol.HEADER
                    + " bytes of header)", "a header with length " + size);
        }

        @Override
        public void onChannelEnd(Worker w, String what) {
            channelEnded(w, what);
        }

        @Override
        public void onExit(Worker w, ExitStatus status) {
            PoolEngine.this.onExit(w, status);
        }
    };
    /** The pool's own bounded queue: where submit puts jobs; null when the jobs come from another source. */
    private final MemoryQueue memory;
    final JobSource source;
    final FutureSink sink;
    final Completer completer;
    private volatile byte[] initBody;
    final ScheduledThreadPoolExecutor timer;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean dispatchScheduled = new AtomicBoolean();
    private final CountDownLatch ready;
    private final CountDownLatch terminated = new CountDownLatch(1);
    volatile RunState state = RunState.STARTING;
    /** On a normal exit of the JVM (System.exit, end of main, SIGTERM): stop the workers rather than orphan them. */
    private final Thread shutdownHook = new Thread(this::onJvmExit);
    private volatile String failure;
    private final java.util.Set<Runnable> terminationHooks = java.util.concurrent.ConcurrentHashMap.newKeySet();

    final Listeners listeners;
    private volatile int minWorkers;
    private volatile int maxWorkers;

    // I/O thread only
    final Slots<Worker> slots;
    private final CrashLoopBreaker breaker;
    private final RestartPolicy restartPolicy;
    private final SpareKeeper<Worker> spareKeeper;
    private final boolean[] slotReadyOnce;
    private final List<Worker> aside;  // successors starting, retired workers draining, spares
    final HashMap<Long, Job> inFlight = new HashMap<>();
    private final byte[] head = new byte[Protocol.HEADER + 2];
    private final List<Worker> touched = new ArrayList<>();
    private List<Runnable> completions = new ArrayList<>();
    private final ShutdownNow stopper = new ShutdownNow(this);

    // statistics: written on the I/O thread (or counted atomically), read anywhere
    /** Worker and task counts, published as one value so that a reader never sees half an update. */
    private record Counts(int starting, int idle, int busy, int inFlight, int spares) {
    }

    private volatile Counts counts = new Counts(0, 0, 0, 0, 0);
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong recycled = new AtomicLong();

    public PoolEngine(PoolConfig cfg, Decoder results, Decoder events) {
        this(cfg, results, events, null);
    }

    /**
     * An engine whose jobs come from {@code source}; null for the pool's own bounded queue, the only source
     * {@link #submit} can put jobs in.
     */
    public PoolEngine(PoolConfig cfg, Decoder results, Decoder events, JobSource source) {
        this.cfg = cfg;
        this.results = results;
        this.events = events;
        this.replies = new Replies(this, events);
        this.lines = cfg.kind() != WorkerKind.LINE ? null : new LineMode(this, cfg.name());
        this.spawner = Spawner.create(cfg.name());
        this.launcher = new Launcher(cfg.name(), cfg.kind(), cfg.command(), cfg.directory(), cfg.inheritEnvironment(),
                cfg.environment(), cfg.maxMessageSize(), cfg.heartbeatTimeout(), cfg.cds(), spawner);
        this.completer = new Completer(cfg.name());
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "procpool-timer-" + cfg.name());
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.listeners = new Listeners(cfg.name(), cfg.listeners());
        this.sink = new FutureSink(cfg.name(), results, listeners);
        this.memory = source == null ? new MemoryQueue(cfg.queueCapacity(), cfg.queueFullPolicy()) : null;
        this.source = source == null ? memory : source;
        this.source.open(this::scheduleDispatch);
        this.minWorkers = cfg.minWorkers();
        this.maxWorkers = cfg.maxWorkers();
        this.slots = new Slots<>(cfg.maxWorkers(), Worker[]::new);
        this.aside = slots.aside();
        this.slotReadyOnce = new boolean[initialWorkers()];
        this.breaker = new CrashLoopBreaker(cfg.crashLoopRestarts(), cfg.crashLoopWindow());
        this.restartPolicy = new RestartPolicy(cfg.backoffBase(), cfg.backoffMax());
        this.spareKeeper = new SpareKeeper<>(cfg.spares(), cfg.maxSpares(), cfg.spareNice());
        this.ready = new CountDownLatch(initialWorkers());
    }

    /** The pool starts minWorkers, but at least one: build() proves that the worker command works. */
    private int initialWorkers() {
        return Math.max(1, cfg.minWorkers());
    }

    // ================================================================================= start

    /**
     * Starts every worker and waits until all said HELLO.
     *
     * @throws PoolFailedException with the reason and the worker's stderr when one cannot start
     */
    /**
     * JVM workers: the INIT frame's body (a serialized initializer task) that each worker gets first; its command must
     * say {@code -Dprocpool.init=true}. Before {@link #start()}.
     */
    public void initializer(byte[] body) {
        this.initBody = body;
    }

    public void start() {
        for (int i = 0; i < initialWorkers(); i++) {
            int slot = i;
            spawner.execute(() -> startWorker(slot));
        }
        boolean inTime;
        try {
            // each worker's own start-up timer fails it with its stderr tail; this is the backstop
            inTime = ready.await(cfg.startupTimeout().toNanos() + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = cfg.name() + " - interrupted while starting the workers";
            inTime = false;
        }
        String why = failure;
        if (why == null && !inTime) {
            why = cfg.name() + " - workers did not say HELLO within the startup timeout of " + Durations.text(cfg.startupTimeout())
                    + "; raise startupTimeout or check the workers' log lines";
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
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        for (int i = 0; i < cfg.spares(); i++) {
            startSpareLater(0);
        }
        if (cfg.heartbeatTimeout() != null) {
            long every = Health.heartbeatMillis(cfg.heartbeatTimeout());
            timer.scheduleWithFixedDelay(() -> spawner.execute(this::checkHeartbeats), every, every,
                    TimeUnit.MILLISECONDS);
        }
        if (cfg.lineCheck() != null) {
            timer.scheduleWithFixedDelay(() -> spawner.execute(lines::checkWorkers), 10, 10, TimeUnit.MILLISECONDS);
        }
        long idleCheck = Math.max(50, cfg.idleTimeout().toMillis() / 4);
        timer.scheduleWithFixedDelay(() -> spawner.execute(this::stopIdleWorkers), idleCheck, idleCheck,
                TimeUnit.MILLISECONDS);
        LOG.info("{} - started {} (max {}, capacity {}, prefetch {})", cfg.name(), Durations.count(initialWorkers(), "worker"),
                maxWorkers, cfg.capacity(), cfg.prefetch());
    }

    private void startWorker(int slot) {
        spawnWorker(new Worker(slot, cfg.name() + "-" + (slot + 1)), true);
    }

    /** Spawns {@code w}; into its slot at once, or (a successor) aside until it is ready. */
    private void spawnWorker(Worker w, boolean intoSlot) {
        int slot = w.slot;
        if (cfg.maxTasksPerWorker() > 0) {
            w.taskLimit = Sizing.taskLimit(cfg.maxTasksPerWorker(), java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        }
        try {
            launcher.launch(w, handler);
            if (initBody != null) {  // the first frame it reads: its initializer runs before its HELLO
                Protocol.putHeader(head, 0, Protocol.INIT, 0);
                w.child.pushLater(head, Protocol.HEADER, initBody, true);
            }
        } catch (RuntimeException | Error e) {  // ENOENT, EACCES, a bad directory or environment, no thread left
            String why = e instanceof SpawnException ? e.getMessage()
                    : cfg.name() + " - worker " + w.id + " cannot be started: " + e.getMessage();
            if (w.spare) {
                LOG.warn("{} - could not start a warm spare: {}", cfg.name(), why);
                updateStats();
                return;
            }
            if (w.cdsRecording != 0) {
                cfg.cds().recorded(w.cdsRecording);
            }
            if (!intoSlot) {
                w.predecessor.successor = null;  // the old worker keeps serving; it tries again later
                LOG.warn("{} - could not start a successor for worker {}: {}", cfg.name(), w.predecessor, why);
                countEarlyDeath(why);
                updateStats();
                return;
            }
            startFailed(why);
            if (state != RunState.STARTING) {
                slots.lengthenStreak(slot);
                if (!countEarlyDeath(why)) {
                    restartSlot(slot);
                }
            }
            updateStats();
            return;
        }
        listeners.workerStarted(w.info());
        if (spareKeeper.spawned(w)) {  // a spare or successor starts at a lower CPU priority, never starved
            timer.schedule(() -> spawner.execute(() -> spareKeeper.unstarve(w)), cfg.startupTimeout().toNanos() / 2,
                    TimeUnit.NANOSECONDS);
        }
        w.startupTimer = timer.schedule(() -> spawner.execute(() -> startupOver(w)),
                cfg.startupTimeout().toNanos(), TimeUnit.NANOSECONDS);
        if (cfg.maxWorkerLifetime() != null) {
            long life = Sizing.lifetimeNanos(cfg.maxWorkerLifetime(),
                    java.util.concurrent.ThreadLocalRandom.current().nextDouble());
            timer.schedule(() -> spawner.execute(() -> lifetimeOver(w)), life, TimeUnit.NANOSECONDS);
        }
        if (intoSlot) {
            slots.set(slot, w);
        } else {
            aside.add(w);
        }
        if (cfg.kind() == WorkerKind.LINE) {
            w.runs = 1;
            w.credits = 1 + cfg.prefetch();
            lines.checked(w);
            onHello(w);  // a line-mode worker says nothing first: it is ready once it runs
        }
        updateStats();
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
        checkAccepting();
        if (body.length + Protocol.HEADER > cfg.maxMessageSize()) {
            listeners.taskRejected(RejectReason.INVALID);
            throw new io.procpool.MessageTooLargeException(cfg.name() + " - task " + describeTask(task)
                    + " is " + body.length + " bytes encoded, over maxMessageSize " + (cfg.maxMessageSize()
                    - Protocol.HEADER) + "; raise maxMessageSize or send less",
                    body.length, cfg.maxMessageSize() - Protocol.HEADER);
        }
        if (memory == null) {
            throw new IllegalStateException(cfg.name() + " - this pool's jobs come from " + source);
        }
        long id = ids.incrementAndGet();
        Job.JobFuture<R> future = new Job.JobFuture<>(id, cancels::onCancel);
        Duration timeout = options.timeout() != null ? options.timeout() : cfg.taskTimeout();
        int attempts = options.maxAttempts() != 0 ? options.maxAttempts() : cfg.maxAttempts();
        Job job = new Job(id, task, body, future, timeout, attempts, 1, sink);
        future.job = job;
        boolean added;
        try {
            added = memory.add(job);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            listeners.taskRejected(RejectReason.QUEUE_FULL);
            throw new TaskRejectedException(cfg.name() + " - interrupted while waiting for room in the queue");
        }
        if (!added) {
            listeners.taskRejected(RejectReason.QUEUE_FULL);
            throw new TaskRejectedException(cfg.name() + " - task queue full (" + describe()
                    + "); raise queueCapacity, or choose QueueFullPolicy.WAIT to slow submitters down");
        }
        if (state != RunState.RUNNING && memory.withdraw(job)) {
            checkAccepting();  // shut down meanwhile: it throws
        }
        if (listeners.active) {
            listeners.taskSubmitted(id);
        }
        scheduleDispatch();
        return future;
    }

    private static String describeTask(Object task) {
        return task instanceof Task<?> ? "of " + task.getClass().getName() : "input";
    }

    /** Tells the listeners that a task was refused before it reached the engine (it could not be encoded). */
    public void rejected(RejectReason reason) {
        listeners.taskRejected(reason);
    }

    /** Throws when the pool takes no new task: shut down, or failed. */
    public void checkAccepting() {
        RunState s = state;
        if (s == RunState.RUNNING) {
            return;
        }
        if (failure != null) {
            listeners.taskRejected(RejectReason.POOL_FAILED);
            throw new PoolFailedException(failure);
        }
        listeners.taskRejected(RejectReason.SHUTDOWN);
        throw new TaskRejectedException(cfg.name() + " - pool is " + s.name().toLowerCase() + ": it takes no new task");
    }

    private void scheduleDispatch() {
        if (dispatchScheduled.compareAndSet(false, true)) {
            spawner.execute(this::dispatch);
        }
    }

    // ================================================================================= I/O thread: dispatch

    private void dispatch() {
        dispatchScheduled.set(false);
        RunState s = state;
        if (s == RunState.STOP || s == RunState.TERMINATED) {
            return;
        }
        int demand = 0;  // the ready workers' free credits: what the source may hand out now
        for (Worker w : slots.table()) {
            if (w != null && w.ready && !w.stopping && w.held.size() < w.credits) {
                demand += w.credits - w.held.size();
            }
        }
        boolean progress = demand > 0;
        outer:
        while (progress) {
            progress = false;
            for (Worker w : slots.table()) {
                if (w == null || !w.ready || w.stopping || w.held.size() >= w.credits) {
                    continue;
                }
                Job j = nextJob(demand);
                if (j == null) {
                    break outer;
                }
                send(w, j);
                demand = Math.max(1, demand - 1);
                progress = true;
            }
        }
        for (Worker w : touched) {
            try {
                w.child.flush();
            } catch (RuntimeException e) {
                // the worker is dying: its exit hands back what it held
            }
        }
        touched.clear();
        if (minWorkers != maxWorkers && !source.isEmpty()) {
            scaleUp();  // a fixed-size pool refills its slots by restartSlot and resize, never here
        }
        updateStats();
        maybeDrained();
    }

    private Job nextJob(int demand) {
        while (true) {
            Job j = source.poll(demand);
            if (j == null || !(j.settled || j.future.isDone())) {
                return j;
            }
        }
    }

    private void send(Worker w, Job j) {
        j.worker = w;
        j.started = false;
        w.held.addLast(j);
        inFlight.put(j.id, j);
        j.body[0] = (byte) (j.attempt >>> 8);
        j.body[1] = (byte) j.attempt;
        Protocol.putHeader(head, 0, Protocol.TASK, j.id);
        try {
            if (cfg.kind() == WorkerKind.LINE) {
                lines.write(w, j.body);
            } else {
                w.child.pushLater(head, Protocol.HEADER, j.body, false);
            }
        } catch (io.procpool.MessageTooLargeException e) {
            w.held.removeLast();
            inFlight.remove(j.id);
            settle(j, new IllegalArgumentException(cfg.name() + " - task " + j.id + ": " + e.getMessage()));
            return;
        } catch (RuntimeException e) {
            return;  // it died: onExit gives the job back
        }
        if (!touched.contains(w)) {
            touched.add(w);
        }
        j.sentNanos = System.nanoTime();
        if (listeners.taskStartedHeard) {
            listeners.taskStarted(j.id, w.id, j.attempt, Duration.ofNanos(j.sentNanos - j.queuedNanos));
        }
        if (j.timeout != null) {
            cancels.startTimer(j, w);  // runs again from its STARTED, when its worker says it
        }
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

    /** I/O thread: the answer to {@code j} (an ERROR's three strings, or null): its future completes on the completer. */
    void onReply(Worker w, Job j, byte[] body, String[] error) {
        inFlight.remove(j.id);
        w.held.remove(j);
        if (j.timer != null) {
            j.timer.cancel(false);
        }
        j.endNanos = w.lastHeardNanos;
        if (w.held.isEmpty()) {
            w.idleSinceNanos = j.endNanos;
        }
        w.tasksDone++;
        afterTask(w);
        if (w.ledger != null) {
            w.ledger.add(j, body);  // believed at its exit, if it proves in step (line mode: never an ERROR)
        } else {
            complete(j, error == null ? () -> j.sink.succeeded(j, body) : () -> replies.completeError(j, w.id, error));
        }
        scheduleDispatch();
    }

    void onHello(Worker w) {
        if (w.ready) {
            protocolError(w, "a second HELLO", "HELLO");
            return;
        }
        w.ready = true;
        w.startupTimer.cancel(false);  // not needed any more: no need to keep the worker referenced until it fires
        w.readyNanos = System.nanoTime();
        w.idleSinceNanos = w.readyNanos;
        listeners.workerReady(w.info(), Duration.ofNanos(w.readyNanos - w.spawnNanos));
        spareKeeper.ready(w, w.readyNanos - w.spawnNanos);
        if (w.predecessor != null) {
            takeOver(w);
        }
        updateStats();  // before build() returns: stats() right after it counts this worker
        if (state == RunState.STARTING && w.slot >= 0 && !slotReadyOnce[w.slot]) {
            slotReadyOnce[w.slot] = true;
            ready.countDown();
        }
        LOG.debug("{} - worker {} ready", cfg.name(), w);
        scheduleDispatch();
    }

    /**
     * I/O thread: {@code w}'s channel (line mode: its stdout) ended while it runs. Normally its exit follows at once;
     * one that lives on can never answer what it holds, so past a short grace it is killed: a protocol error, unless
     * it was ending anyway with nothing held.
     */
    private void channelEnded(Worker w, String what) {
        timer.schedule(() -> spawner.execute(() -> {
            if (w.child.exitStatus().isPresent() || w.exitReason == ExitReason.PROTOCOL_ERROR) {
                return;
            }
            String why = "it closed its " + what + " but did not exit within " + CHANNEL_END_GRACE_MILLIS + " ms";
            if (w.stopping && w.held.isEmpty()) {
                w.kill(null, why);
            } else {
                protocolError(w, why, "end of stream");
            }
        }), CHANNEL_END_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    void protocolError(Worker w, String what, String received) {
        if (w.exitReason == ExitReason.PROTOCOL_ERROR) {
            return;  // more of the same before it died
        }
        LOG.warn("{} - worker {} broke the protocol: {} (received: {}); killing it", cfg.name(), w, what, received);
        w.received = received;
        w.kill(ExitReason.PROTOCOL_ERROR, "protocol error: " + what + " (received: " + received + ")");
    }

    /** Queues a step of {@code j}'s completion (ordered with its others: events, then its end) for the completer. */
    void complete(Job j, Runnable r) {
        complete(new Completer.Delivery(j, r));
    }

    /**
     * Queues a completion for the completer; one hand-off per batch of events on the I/O thread. A plain runnable
     * is a barrier: it runs once the futures of everything queued before it are done.
     */
    void complete(Runnable r) {
        completions.add(r);
        if (completions.size() == 1) {
            spawner.execute(this::handOff);
        }
    }

    private void handOff() {
        completer.hand(completions);
        completions = new ArrayList<>();
    }

    /** I/O thread: after each task of {@code w}: start its successor at its limit; let a retired one leave. */
    private void afterTask(Worker w) {
        if (w.retired) {
            // checked line mode: its input ends at once (its requests are written): it answers them, then exits
            if ((w.held.isEmpty() || w.ledger != null) && !w.stopping) {
                w.stopping = true;
                endInput(w);
            }
            return;
        }
        if (w.taskLimit > 0 && w.tasksDone >= w.taskLimit) {
            retire(w, ExitReason.MAX_TASKS, "after " + w.tasksDone + " tasks");
        } else if (cfg.maxWorkerRss() > 0 && System.nanoTime() - w.rssCheckedNanos > Health.RSS_CHECK_NANOS) {
            w.rssCheckedNanos = System.nanoTime();
            long rss = Health.rssBytes(w.child.pid());
            if (rss > cfg.maxWorkerRss()) {
                retire(w, ExitReason.MAX_RSS, "at " + (rss >> 20) + " MiB resident, over maxWorkerRss");
            }
        }
    }

    /** I/O thread: starts {@code w}'s successor (or takes a ready spare), which takes over once ready. */
    void retire(Worker w, ExitReason reason, String why) {
        if (w.successor != null || w.stopping || w.retired || state != RunState.RUNNING || !slots.holds(w)) {
            return;
        }
        LOG.debug("{} - retiring worker {} {}", cfg.name(), w, why);
        w.retireReason = reason;
        Worker spare = slots.takeSpare();
        if (spare != null) {
            spare.slot = w.slot;
            spare.id = w.id;
            spare.predecessor = w;
            w.successor = spare;
            takeOver(spare);
            startSpareLater(0);
            return;
        }
        Worker next = new Worker(w.slot, w.id);
        next.predecessor = w;
        w.successor = next;
        spawnWorker(next, false);
    }

    /** I/O thread: {@code w} was spawned startupTimeout ago; if it has not said HELLO, it failed to start. */
    private void startupOver(Worker w) {
        if (!w.ready && w.exitReason == null && w.child.exitStatus().isEmpty()) {
            w.kill(null, "did not say HELLO within startupTimeout " + Durations.text(cfg.startupTimeout()));
        }
    }

    /** I/O thread: {@code w} has lived its time; while it or the pool is still starting, ask again shortly. */
    private void lifetimeOver(Worker w) {
        if (w.stopping || w.retired || w.child.exitStatus().isPresent()
                || state.ordinal() >= RunState.SHUTDOWN.ordinal()) {
            return;
        }
        if (w.ready && slots.holds(w) && state == RunState.RUNNING) {
            retire(w, ExitReason.MAX_LIFETIME, "at the end of its lifetime");
        } else {
            timer.schedule(() -> spawner.execute(() -> lifetimeOver(w)), 100, TimeUnit.MILLISECONDS);
        }
    }

    /** I/O thread: a successor is ready: it takes the slot; its predecessor finishes what it holds and leaves. */
    private void takeOver(Worker next) {
        Worker old = next.predecessor;
        next.predecessor = null;
        aside.remove(next);
        if (slots.get(next.slot) != old || old.stopping) {
            // the old one died meanwhile (and its slot may have a replacement already): no longer needed
            next.stopping = true;
            next.exitReason = ExitReason.SCALE_DOWN;
            endInput(next);
            aside.add(next);
            return;
        }
        slots.set(next.slot, next);
        old.retired = true;
        old.successor = null;
        old.exitReason = old.retireReason;
        aside.add(old);
        recycled.incrementAndGet();
        listeners.workerRestarted(old.info(), old.exitReason);
        LOG.debug("{} - worker {} retired after {} tasks; {} took over", cfg.name(), old, old.tasksDone, next);
        afterTask(old);
        scheduleDispatch();
    }

    /** I/O thread: kills every ready worker that has been silent for longer than the heartbeat timeout. */
    private void checkHeartbeats() {
        long limit = cfg.heartbeatTimeout().toNanos();
        long now = System.nanoTime();
        for (Worker w : slots.all()) {
            if (w.ready && !w.stopping && w.killReason == null && Health.silent(now, w.lastHeardNanos, limit)) {
                w.kill(ExitReason.HUNG, "hung: no heartbeat for " + Duration.ofNanos(now - w.lastHeardNanos).toMillis()
                        + " ms, over heartbeatTimeout " + Durations.text(cfg.heartbeatTimeout()));
            }
        }
    }

    /** I/O thread: decides the job's outcome now; its future completes on the completer. */
    void settle(Job j, Throwable t) {
        j.settled = true;
        j.endNanos = System.nanoTime();
        if (j.timer != null) {
            j.timer.cancel(false);
        }
        complete(j, () -> j.sink.failed(j, t));
    }

    // ================================================================================= I/O thread: exits

    private void onExit(Worker w, ExitStatus status) {
        boolean inSlot = slots.holds(w);
        if (inSlot) {
            slots.set(w.slot, null);
        }
        aside.remove(w);
        boolean failedSuccessor = w.predecessor != null;
        if (failedSuccessor) {
            w.predecessor.successor = null;  // a successor that died starting: the old worker keeps its slot
        }
        ExitReason reason = exitReason(w, status);
        WorkerInfo info = w.info();
        if (w.successor != null) {
            // died before its successor took over: the successor takes the slot now (ready or about to be)
            Worker next = w.successor;
            w.successor = null;
            next.predecessor = null;
            if (inSlot) {
                aside.remove(next);
                slots.set(w.slot, next);
                inSlot = false;
                restarts.incrementAndGet();
                listeners.workerRestarted(info, reason);
            }
        }
        List<String> tail = w.child.lastLines();
        w.child.close();
        if (w.cdsRecording != 0) {
            cfg.cds().recorded(w.cdsRecording);
        }
        if (w.cdsMapped && !w.ready && reason != ExitReason.SHUTDOWN && reason != ExitReason.SCALE_DOWN) {
            cfg.cds().failedStart();
        }
        String why = status + (w.killReason != null ? " (" + w.killReason + ")" : "") + tailText(tail);
        if (!w.ready && reason != ExitReason.SHUTDOWN && reason != ExitReason.SCALE_DOWN) {
            startFailed(cfg.name() + " - worker " + w + " failed to start: " + why);
        } else if (reason.replaced() && !reason.recycling()) {
            LOG.warn("{} - worker {} {}", cfg.name(), w, why);
        }
        listeners.workerExited(info, status, reason);
        int index = 0;
        List<Job> back = new ArrayList<>();
        Job suspect = w.reportsStarted ? oldestUnstarted(w) : null;
        if (lines != null) {
            lines.checkAtExit(w, status, tail, back);
        }
        for (Job j : w.held) {
            // exact when the worker says STARTED; otherwise the protocol's rule: answers are out before the next
            // task starts, so the oldest `runs` held tasks are the running ones
            boolean ran = w.reportsStarted ? j.started : index++ < w.runs;
            if (j == suspect && ++j.unstartedDeaths > FREE_UNSTARTED_DEATHS) {
                ran = true;  // its workers keep dying before they can start it (too big for their memory?): charged
            }
            inFlight.remove(j.id);
            if (j.timer != null) {
                j.timer.cancel(false);
            }
            if (j.settled || j.future.isDone()) {
                continue;  // cancelled, timed out or failed: already answered
            }
            if (failure == null && stopper.active() && !ran) {
                stopper.returnUnstarted(j);  // shutdownNow: held, never started
                continue;
            }
            if (!requeue(j, back, ran)) {  // never started: back to the source, no attempt used
                String message = cfg.name() + " - task " + j.id + " failed: its worker " + w + " " + status
                        + (w.killReason != null ? " (" + w.killReason + ")" : "") + " on attempt " + j.attempt + " of "
                        + j.maxAttempts + tailText(tail);
                settle(j, reason == ExitReason.PROTOCOL_ERROR
                        ? new io.procpool.ProtocolException(message, w.received, status, j.attempt, tail)
                        : new WorkerCrashedException(message, status, j.attempt, tail));
            }
        }
        w.held.clear();
        source.giveBack(back);
        RunState s = state;
        if (inSlot && failure == null && (s == RunState.STARTING || s == RunState.RUNNING
                || (s == RunState.SHUTDOWN && workLeft()))) {
            boolean early = RestartPolicy.early(reason, w.ready, w.tasksDone, System.nanoTime() - w.readyNanos);
            if (!early) {
                slots.resetStreak(w.slot);
            } else {
                slots.lengthenStreak(w.slot);
            }
            if (!(early && countEarlyDeath("worker " + w + " " + why))) {  // the breaker: no restart, none counted
                restarts.incrementAndGet();
                listeners.workerRestarted(info, reason);
                if (w.ready && reason.replaced() && !reason.recycling()) {
                    spareKeeper.crashed(System.nanoTime());  // sizes the spares
                }
                if (!promoteSpare(w.slot)) {
                    restartSlot(w.slot);
                }
                startSpareLater(0);
            }
        } else if (w.spare && failure == null && s == RunState.RUNNING) {
            // a spare died: another, a little later if it never started (and that counts toward the breaker)
            if (w.ready || !countEarlyDeath("warm spare " + w + " " + why)) {
                startSpareLater(w.ready ? 0 : 1000);
            }
        } else if (failedSuccessor && failure == null && s == RunState.RUNNING) {
            countEarlyDeath("worker " + w + " " + why);  // a successor that could not start
        }
        updateStats();
        scheduleDispatch();
        stopper.maybeStopped();
        maybeTerminated();
    }

    /**
     * How many times a worker may die holding a task, and running nothing, before that task (the oldest it held) is
     * charged an attempt although it never said STARTED: a task that kills its worker while the worker reads it
     * (too big for the worker's heap) would otherwise go round for ever, free each time.
     */
    private static final int FREE_UNSTARTED_DEATHS = 2;

    /** The oldest held job of a worker that had started none, or null when one had started. */
    private static Job oldestUnstarted(Worker w) {
        for (Job j : w.held) {
            if (j.started) {
                return null;
            }
        }
        return w.held.peekFirst();
    }

    /**
     * I/O thread: a job its worker's death gave back: settled at once when the pool stops or failed, else back to the
     * source (collected in {@code back}), using an attempt when {@code charged}. False when it has no attempt left:
     * the caller fails it.
     */
    boolean requeue(Job j, List<Job> back, boolean charged) {
        if (failure != null || state.ordinal() >= RunState.STOP.ordinal()) {
            settle(j, failure != null ? new PoolFailedException(failure)
                    : new CancellationException(cfg.name() + " - the pool stopped task " + j.id));
            return true;
        }
        if (charged && j.attempt >= j.maxAttempts) {
            return false;
        }
        if (charged) {
            j.attempt++;
        }
        j.queuedNanos = System.nanoTime();
        back.add(j);
        if (charged) {
            listeners.taskRetried(j.id, j.attempt);
        }
        return true;
    }

    /** Why {@code w} left: what the pool decided when it killed or stopped it, else a crash or a failed start. */
    private static ExitReason exitReason(Worker w, ExitStatus status) {
        if (w.exitReason != null) {
            return w.exitReason;
        }
        if (!w.ready) {
            return ExitReason.START_FAILED;
        }
        return w.stopping && status.success() ? ExitReason.SHUTDOWN : ExitReason.CRASH;
    }

    private boolean workLeft() {
        // checked line mode drains by ending every worker's input at once: a request in flight is its own worker's,
        // and comes back to the queue if that worker fails it
        return !source.isEmpty() || !inFlight.isEmpty() && cfg.lineCheck() == null;
    }

    /**
     * I/O thread: counts the death of a worker that never did any work (a failed start, or dead before its first
     * task and within {@link RestartPolicy#HEALTHY_NANOS} of HELLO) and trips the crash-loop breaker when more than
     * crashLoopRestarts of them fall within crashLoopWindow.
     *
     * @return whether the pool failed
     */
    private boolean countEarlyDeath(String why) {
        if (!breaker.count(System.nanoTime()) || failure != null || state == RunState.STARTING) {
            return false;
        }
        failPool(cfg.name() + " - crash loop: " + breaker.inWindow() + " workers died before doing any work within "
                + Durations.text(cfg.crashLoopWindow()) + " (the limit is " + cfg.crashLoopRestarts() + "; see crashLoopLimit); the"
                + " last: " + why);
        return true;
    }

    /**
     * I/O thread: starts a worker for the empty slot: at once after a healthy worker's death, else after an
     * exponential back-off with jitter (backoffBase doubling per early death in a row, at most backoffMax, times a
     * random 0.5..1).
     */
    private void restartSlot(int slot) {
        int streak = slots.streak(slot);
        if (streak == 0) {
            startWorker(slot);
            return;
        }
        long delay = restartPolicy.delayNanos(streak, java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        slots.pending(slot, true);
        LOG.debug("{} - restarting slot {} in {} ms ({} early deaths in a row)", cfg.name(), slot + 1,
                delay / 1_000_000, streak);
        timer.schedule(() -> spawner.execute(() -> {
            slots.pending(slot, false);
            RunState s = state;
            if (slots.get(slot) == null && failure == null && (s == RunState.STARTING || s == RunState.RUNNING
                    || (s == RunState.SHUTDOWN && workLeft()))) {
                startWorker(slot);
            } else {
                maybeTerminated();
            }
        }), delay, TimeUnit.NANOSECONDS);
    }

    private void startFailed(String why) {
        if (state == RunState.STARTING && failure == null) {
            failure = why;
            for (long i = ready.getCount(); i > 0; i--) {
                ready.countDown();
            }
        }
        LOG.warn(why);
    }

    static String tailText(List<String> tail) {
        return tail.isEmpty() ? "" : "; its last output:\n  " + String.join("\n  ", tail);
    }

    /** The pool can no longer start workers: fail everything queued and all that comes. */
    private void failPool(String why) {
        failure = why;
        LOG.error(why);
        listeners.poolFailed(why);
        state = RunState.STOP;
        for (Job j : drainQueued()) {
            settle(j, new PoolFailedException(why));
        }
        for (Job j : inFlight.values()) {
            if (!j.settled) {
                settle(j, new PoolFailedException(why));
            }
        }
        killAll();
        maybeTerminated();
    }

    // ================================================================================= lifecycle

    public void shutdown() {
        synchronized (this) {
            if (state == RunState.RUNNING || state == RunState.STARTING) {
                state = RunState.SHUTDOWN;
            }
        }
        spawner.execute(this::maybeDrained);
    }

    /** I/O thread: in SHUTDOWN with nothing left, tells the workers to finish. */
    private void maybeDrained() {
        // checked line mode: the workers' input ends as soon as nothing is queued (their requests are written): they
        // answer what they hold, then exit, and their exit checks their replies
        if (state != RunState.SHUTDOWN || !source.isEmpty()
                || !inFlight.isEmpty() && cfg.lineCheck() == null) {
            return;
        }
        for (Worker w : slots.all()) {
            if (w != null && !w.stopping) {
                w.stopping = true;
                if (w.exitReason == null) {
                    w.exitReason = ExitReason.SHUTDOWN;
                }
                if (w.ready) {
                    endInput(w);  // end of stream: finish, then exit
                } else {
                    w.kill(null, null);
                }
            }
        }
        maybeTerminated();
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

    void killAll() {
        for (Worker w : slots.all()) {
            if (w != null) {
                w.stopping = true;
                w.kill(w.exitReason == null ? ExitReason.SHUTDOWN : null, null);
            }
        }
    }

    void maybeTerminated() {
        if (state.ordinal() < RunState.SHUTDOWN.ordinal() || state == RunState.TERMINATED) {
            return;
        }
        if (!slots.all().isEmpty()) {
            return;
        }
        if (state == RunState.SHUTDOWN && (!source.isEmpty() || !inFlight.isEmpty())) {
            return;
        }
        for (Job j : drainQueued()) {  // stopped with work left: nothing may stay pending
            if (!j.settled) {
                settle(j, failure != null ? new PoolFailedException(failure)
                        : new CancellationException(cfg.name() + " - the pool stopped before task " + j.id + " ran"));
            }
        }
        state = RunState.TERMINATED;
        updateStats();
        if (!completions.isEmpty()) {
            handOff();
        }
        timer.shutdownNow();
        try {
            source.close();
        } catch (RuntimeException e) {
            LOG.warn("{} - closing the job source failed", cfg.name(), e);
        }
        if (lines != null) {
            lines.shutdown();
        }
        spawner.close();  // on the I/O thread it finishes on another thread
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException exiting) {
            // the JVM is exiting (the hook may be what got us here), or it never was registered
        }
        // last, on the completer once every future is complete: awaitTermination returns with all of them done
        completer.stop(() -> {
            for (Runnable r : terminationHooks) {  // before awaitTermination returns: close() leaves no meter behind
                if (terminationHooks.remove(r)) {
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        LOG.warn("{} - a termination hook failed", cfg.name(), e);
                    }
                }
            }
            terminated.countDown();
            LOG.info("{} - terminated: {} completed, {} failed, {} restarts", cfg.name(), sink.completed.sum(),
                    sink.failed.sum(), restarts.get());
        });
    }

    private void onJvmExit() {
        if (isTerminated()) {
            return;
        }
        LOG.info("{} - the JVM is exiting: stopping the workers", cfg.name());
        shutdownNow();
        try {
            awaitTermination(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
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
        terminationHooks.add(r);
        if (isTerminated() && terminationHooks.remove(r)) {
            r.run();
        }
    }

    // ================================================================================= stats

    /** I/O thread: puts a spare into the empty slot; false when there is none. */
    private boolean promoteSpare(int slot) {
        Worker sp = spareKeeper.take(slots);  // a ready one, else one still starting
        if (sp == null) {
            return false;
        }
        aside.remove(sp);
        sp.slot = slot;
        sp.id = cfg.name() + "-" + (slot + 1);
        slots.set(slot, sp);
        LOG.debug("{} - spare {} took slot {}", cfg.name(), sp, slot + 1);
        return true;
    }

    // ================================================================================= size

    /** I/O thread: tasks wait and every worker is full: starts more workers, up to maxWorkers. */
    private void scaleUp() {
        RunState s = state;
        // in SHUTDOWN too: what is queued must still run, and a pool scaled down to no worker has none to run it
        if ((s != RunState.RUNNING && s != RunState.SHUTDOWN) || failure != null) {
            return;
        }
        int live = 0;
        int starting = 0;
        for (int i = 0; i < slots.length(); i++) {
            if (slots.get(i) != null) {
                live++;
                starting += slots.get(i).ready ? 0 : 1;
            } else if (slots.pending(i)) {
                live++;
                starting++;
            }
        }
        long backlog = source.backlog();
        long wanted = Sizing.toStart(maxWorkers, live, starting, backlog, cfg.capacity() + cfg.prefetch());
        for (int i = 0; i < maxWorkers && wanted > 0; i++) {
            if (slots.get(i) == null && !slots.pending(i)) {
                LOG.debug("{} - {} tasks wait: starting worker {}", cfg.name(), backlog, i + 1);
                startWorker(i);
                wanted--;
            }
        }
    }

    /** I/O thread, every quarter of idleTimeout: stops workers idle for longer, down to minWorkers. */
    private void stopIdleWorkers() {
        if (state != RunState.RUNNING) {
            return;
        }
        Worker extra = spareKeeper.extra(slots, System.nanoTime());  // no crash for a while: one spare fewer
        if (extra != null) {
            extra.stopping = true;
            extra.exitReason = ExitReason.SCALE_DOWN;
            endInput(extra);
        }
        int live = slots.live();
        long now = System.nanoTime();
        for (Worker w : slots.table()) {
            if (live <= minWorkers) {
                break;
            }
            if (w != null && w.ready && w.held.isEmpty() && w.successor == null
                    && now - w.idleSinceNanos > cfg.idleTimeout().toNanos()) {
                LOG.debug("{} - worker {} idle for {} ms: stopping it", cfg.name(), w,
                        (now - w.idleSinceNanos) / 1_000_000);
                leave(w);
                live--;
            }
        }
        updateStats();
    }

    /** I/O thread: takes {@code w} out of its slot for good; it finishes what it holds, then exits. */
    private void leave(Worker w) {
        if (w.successor != null) {
            // recycling was under way: the successor has no slot to take any more
            Worker next = w.successor;
            w.successor = null;
            next.predecessor = null;
            next.stopping = true;
            next.kill(ExitReason.SCALE_DOWN, null);
        }
        slots.set(w.slot, null);
        aside.add(w);
        w.retired = true;
        w.exitReason = ExitReason.SCALE_DOWN;
        if (!w.ready) {
            w.stopping = true;
            w.kill(null, null);
        } else if (w.held.isEmpty()) {
            w.stopping = true;
            endInput(w);
        }
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
            if (state != RunState.RUNNING) {
                return;
            }
            minWorkers = min;
            maxWorkers = max;
            slots.grow(max);
            int live = slots.live();
            for (int pass = 0; pass < 3 && live > max; pass++) {  // idle ones first, then starting, then busy
                for (int i = slots.length() - 1; i >= 0 && live > max; i--) {
                    Worker w = slots.get(i);
                    boolean pick = w != null && switch (pass) {
                        case 0 -> w.ready && w.held.isEmpty();
                        case 1 -> !w.ready;
                        default -> true;
                    };
                    if (pick) {
                        leave(w);
                        live--;
                    }
                }
            }
            for (int i = 0; i < max && live < min; i++) {
                if (slots.get(i) == null && !slots.pending(i)) {
                    startWorker(i);
                    live++;
                }
            }
            LOG.info("{} - resized to {}..{} workers", cfg.name(), min, max);
            updateStats();
            scheduleDispatch();
        });
    }

    /** Starts warm spares while fewer are alive than configured (or than the crash rate asks for). */
    private void startSpareLater(long delayMillis) {
        Runnable start = () -> {
            int wanted = spareKeeper.wanted(System.nanoTime());
            for (long alive = slots.spares(); alive < wanted && state == RunState.RUNNING && failure == null; alive++) {
                Worker sp = new Worker(-1, cfg.name() + "-spare");
                sp.spare = true;
                spawnWorker(sp, false);
            }
        };
        if (delayMillis == 0) {
            spawner.execute(start);
        } else {
            timer.schedule(() -> spawner.execute(start), delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void updateStats() {
        int s = 0;
        int i = 0;
        int b = 0;
        for (Worker w : slots.table()) {
            if (w == null) {
                continue;
            }
            if (!w.ready) {
                s++;
            } else if (w.held.isEmpty()) {
                i++;
            } else {
                b++;
            }
        }
        int sp = 0;
        for (Worker w : aside) {  // every live process counts once: starting spares and successors, draining ones
            if (!w.ready) {
                s++;
            } else if (w.spare) {
                sp++;
            } else if (!w.held.isEmpty()) {
                b++;
            }
        }
        counts = new Counts(s, i, b, inFlight.size(), sp);
    }

    public PoolStats stats() {
        Counts c = counts;
        return new PoolStats(c.starting(), c.idle(), c.busy(), source.queued(), c.inFlight(), sink.completed.sum(),
                sink.failed.sum(), restarts.get(), recycled.get(), c.spares());
    }

    String describe() {
        PoolStats s = stats();
        int min = minWorkers;
        int max = maxWorkers;
        return "workers=" + (min == max ? Integer.toString(max) : min + ".." + max) + ", busy=" + s.busy() + ", queued=" + s.queued() + "/" + cfg.queueCapacity();
    }

    /** The process layer below: its reaped count is the pool's zombies-reaped count. */
    public Spawner spawner() {
        return spawner;
    }
}
