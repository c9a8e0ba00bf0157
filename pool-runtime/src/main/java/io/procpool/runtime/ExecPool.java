package io.procpool.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import io.procpool.Codec;
import io.procpool.RejectReason;
import io.procpool.TaskFuture;
import io.procpool.TaskOptions;
import io.procpool.runtime.dispatch.PoolConfig;
import io.procpool.runtime.dispatch.PoolEngine;
import io.procpool.runtime.supervise.WorkerKind;

/**
 * A pool of any executable — a Python script, a C program, a shell loop — fed typed messages: {@code submit(input)}
 * returns a future of the worker's output, decoded by the output {@link Codec}. Supervision, recycling, timeouts,
 * back-pressure, events and lifecycle are those of {@link TaskPool}.
 *
 * <pre>{@code
 * try (ExecPool<String, String> pool = ExecPool.builder(Codec.utf8(), Codec.utf8())
 *         .command("python3", "worker.py").workers(4).build()) {
 *     String out = pool.submit("upper hello").get();
 * }
 * }</pre>
 *
 * <p>Two modes. Protocol mode (the default): the worker speaks docs/protocol.md on the channel at fd 3 (HELLO, TASK,
 * RESULT, ERROR, EVENT, CANCEL, SHUTDOWN); its stdout and stderr go to the log. Line mode ({@link Builder#lineMode()}):
 * each request is one line on the worker's stdin and each reply one line on its stdout, in order. Line mode cannot
 * give a per-task error (every line is a result), cannot cancel a running request (a timed-out or cancelled
 * request kills its worker, since a late reply would answer the next one), and cannot tell a missing reply from a
 * slow one (set a taskTimeout). A line that comes when the worker holds no request is caught as a protocol error;
 * an extra line that comes after the next request was written cannot be told from its reply — with prefetch 0
 * (the default) the next request is written only after the reply, which narrows that window to the worker's own
 * output buffering.
 *
 * @param <I> the inputs
 * @param <O> the outputs
 */
public final class ExecPool<I, O> extends AbstractPool<I> {

    private final Codec<I> input;

    private ExecPool(PoolConfig config, PoolEngine engine, Codec<I> input) {
        super(config, engine);
        this.input = input;
    }

    /** A builder of a pool whose inputs are encoded by {@code input} and outputs decoded by {@code output}. */
    public static <I, O> Builder<I, O> builder(Codec<I> input, Codec<O> output) {
        return new Builder<>(Objects.requireNonNull(input, "input"), Objects.requireNonNull(output, "output"));
    }

    /** Submits an input with the pool's default timeout and attempts. */
    public TaskFuture<O> submit(I value) {
        return submit(value, TaskOptions.DEFAULTS);
    }

    /**
     * Submits an input.
     *
     * @throws IllegalArgumentException when the codec cannot encode it, or (line mode) it encodes to more than a line
     * @throws io.procpool.TaskRejectedException when the queue is full (REJECT policy) or the pool is shut down
     * @throws io.procpool.PoolFailedException   when the pool failed
     */
    public TaskFuture<O> submit(I value, TaskOptions options) {
        Objects.requireNonNull(value, "input");
        Objects.requireNonNull(options, "options");
        engine.checkAccepting();
        byte[] encoded;
        try {
            encoded = input.encode(value);
        } catch (RuntimeException e) {
            engine.rejected(RejectReason.INVALID);
            throw new IllegalArgumentException(config.name() + " - " + input + " cannot encode the input: " + e, e);
        }
        if (config.kind() == WorkerKind.LINE) {
            for (byte b : encoded) {
                if (b == '\n') {
                    engine.rejected(RejectReason.INVALID);
                    throw new IllegalArgumentException(config.name() + " - in line mode an input must be one line,"
                            + " and this one holds a newline; escape it in the codec, or use protocol mode");
                }
            }
        }
        byte[] body = new byte[encoded.length + 2];  // room for the attempt number in front
        System.arraycopy(encoded, 0, body, 2, encoded.length);
        return engine.submit(value, body, options);
    }

    /** Submits every input without waiting; the futures are in the same order. */
    public List<TaskFuture<O>> submitAll(Collection<? extends I> values) {
        return Batch.submitAll(values, this::submit);
    }

    /**
     * Submits every input and waits until each has ended, as {@code ExecutorService.invokeAll} does; the futures, all
     * done, are in the same order. When interrupted, it cancels what has not ended.
     */
    public List<TaskFuture<O>> invokeAll(Collection<? extends I> values) throws InterruptedException {
        return Batch.invokeAll(values, this::submit, null);
    }

    /** As {@link #invokeAll(Collection)}, but what has not ended within {@code timeout} is cancelled. */
    public List<TaskFuture<O>> invokeAll(Collection<? extends I> values, java.time.Duration timeout)
            throws InterruptedException {
        return Batch.invokeAll(values, this::submit, java.util.Objects.requireNonNull(timeout, "timeout"));
    }

    /** Configures an {@link ExecPool}: the worker command and mode, and the settings every pool has. */
    public static final class Builder<I, O> extends PoolBuilder<Builder<I, O>> {
        private final Codec<I> input;
        private final Codec<O> output;
        private List<String> command;
        private boolean lineMode;
        private io.procpool.runtime.dispatch.LineCheck lineCheck;

        private Builder(Codec<I> input, Codec<O> output) {
            this.input = input;
            this.output = output;
        }

        /** The worker's command: the program (found on PATH unless it holds a '/') and its arguments. */
        public Builder<I, O> command(String program, String... args) {
            List<String> c = new ArrayList<>();
            c.add(Objects.requireNonNull(program, "program"));
            for (String a : args) {
                c.add(Objects.requireNonNull(a, "argument"));
            }
            return command(c);
        }

        /** The worker's command as a list: the program, then its arguments. */
        public Builder<I, O> command(List<String> command) {
            if (command.isEmpty() || command.get(0).isBlank()) {
                throw new IllegalArgumentException("command must name a program, was " + command);
            }
            this.command = List.copyOf(command);
            return this;
        }

        /**
         * Line mode: one request line on the worker's stdin, one reply line on its stdout, in order; no channel, no
         * HELLO (a worker is ready once it runs). See the class comment for what it cannot do.
         */
        public Builder<I, O> lineMode() {
            this.lineMode = true;
            return this;
        }

        /**
         * Line mode whose replies are believed only when proven in step: a worker's results are held until it exits
         * cleanly with every request answered and no line to spare, and fail (or are retried) with a message saying
         * what happened when it does not. Its input is ended, to check it, after {@code checkEvery} tasks (its
         * successor takes over first), when it idles with held results and nothing is queued, and when it holds a
         * request without a word for {@code stall} (which also flushes a block-buffered worker). The cost is a
         * worker start per {@code checkEvery} tasks and results that come in batches; the gain is that an extra line
         * or a missing reply can never give a request another's answer.
         */
        public Builder<I, O> checkedLineMode(int checkEvery, Duration stall) {
            this.lineCheck = new io.procpool.runtime.dispatch.LineCheck(checkEvery, stall);
            this.lineMode = true;
            return this;
        }

        /**
         * Starts the workers and waits until all are ready.
         *
         * @throws IllegalArgumentException      for a missing command or settings that cannot work together
         * @throws io.procpool.PoolFailedException when a worker cannot start: the program is missing or not
         *                                        executable (with the errno), exits first, or never says HELLO
         */
        public ExecPool<I, O> build() {
            if (command == null) {
                throw new IllegalArgumentException("command is not set: ExecPool.builder(...).command(\"python3\","
                        + " \"worker.py\")");
            }
            if (lineMode && capacity != 1) {
                throw new IllegalArgumentException("capacity must be 1 in line mode (one request at a time; use"
                        + " prefetch to pipeline requests), was " + capacity);
            }
            if (lineMode && heartbeatTimeout != null) {
                throw new IllegalArgumentException("heartbeatTimeout needs protocol mode: a line-mode worker has no"
                        + " channel to beat on; use taskTimeout to catch a hung one");
            }
            PoolConfig cfg = config(lineMode ? WorkerKind.LINE : WorkerKind.PROTOCOL, command, List.of(), null);
            if (lineCheck != null) {
                cfg = cfg.withLineCheck(lineCheck);
            }
            PoolEngine engine = engine(cfg, b -> output.decode(b, 0, b.length),
                    b -> output.decode(b, 0, b.length));
            engine.start();
            return new ExecPool<>(cfg, engine, input);
        }
    }
}
