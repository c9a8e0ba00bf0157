package io.procpool.examples.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.procpool.Codec;
import io.procpool.PoolListener;
import io.procpool.examples.metrics.MetricsEndpoint;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.metrics.PoolMetrics;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * What {@code procpool run}'s command line means: the command and the items after {@code :::}, whether the command
 * runs per item ({@link CommandTemplate}) or as persistent workers, the checked values of the options, and the
 * runner they make. Every check throws a {@link ParameterException} (one line, exit 2) before anything starts.
 */
final class RunSetup {

    /** The separator of GNU parallel's argument list: {@code cmd ::: a b c}. */
    static final String ITEMS = ":::";

    /** The default check interval of a line-mode worker, before the window caps it. */
    static final int CHECK_EVERY = 1000;

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");
    private static final int MAX_WINDOW = 1 << 16;

    /** The checked options. */
    record Settings(int workers, int retries, int prefetch, int checkEvery, Duration timeout, Duration stall,
                    Halt halt, int window) {
    }

    private final CommandLine cl;
    private final List<String> command;
    private final List<String> items;
    private final CommandTemplate template;
    private final String mode;
    private String redis;
    private String redisPool;

    RunSetup(CommandLine cl, List<String> args, String mode) {
        this.cl = cl;
        this.mode = mode;
        List<String> all = args == null ? List.of() : args;
        int sep = all.indexOf(ITEMS);
        this.command = sep < 0 ? all : all.subList(0, sep);
        this.items = sep < 0 ? null : all.subList(sep + 1, all.size());
        check(!command.isEmpty() && !command.get(0).isBlank() && !command.get(0).equals(ITEMS),
                "a command is needed after the options, for example: procpool run --input lines.txt -- sh worker.sh");
        check(mode.equals("line") || mode.equals("protocol"), "--mode must be line or protocol, was '" + mode + "'");
        this.template = CommandTemplate.of(command);
        check(template == null || mode.equals("line"), "--mode protocol needs a command without {}: with {} each"
                + " item runs as a process of its own");
        check(items == null || !items.isEmpty(), "::: needs at least one item after it");
    }

    /**
     * Runs the items on a pool's nodes through Redis ({@code --redis URL}, {@code --pool NAME}; null: here), each
     * as a {@link RemoteCommand}: with {} the expanded command, else the command with the item on its stdin.
     */
    RunSetup remote(String url, String pool) {
        check(pool == null || url != null, "--pool needs --redis URL: without it the items run here");
        if (url != null) {
            check(mode.equals("line"), "--redis runs each item as a command on a node (the item as a line on its"
                    + " stdin, or in place of {}); --mode protocol is not for it");
            String name = pool == null ? "run" : pool;
            try {
                new io.procpool.redis.StreamLayout(name);
            } catch (IllegalArgumentException e) {
                check(false, "--pool " + e.getMessage());
            }
            String badUrl = RedisUrl.problem(url);
            check(badUrl == null, badUrl);
            this.redis = url;
            this.redisPool = name;
        }
        return this;
    }

    Settings settings(String workers, int retries, int prefetch, Integer checkEvery, String timeout, String stall,
                      String halt) {
        int w = jobs(workers);
        check(retries >= 0 && retries <= 99, "--retries must be 0..99, was " + retries);
        check(prefetch >= 0 && prefetch <= 1024, "--prefetch must be 0..1024, was " + prefetch);
        Halt h = Halt.parse(halt);
        check(h != null, "--halt must be never, now|soon,fail=N, now|soon,fail=N% or now|soon,success=N(%), was '"
                + halt + "'");
        int held = prefetch + 1;
        int every;
        if (checkEvery != null) {
            every = checkEvery;
            check(every >= 1 && every <= 100_000, "--check-every must be 1..100000, was " + every);
            check(3L * w * (every + held) <= MAX_WINDOW, "--check-every " + every + " with " + w + " workers would"
                    + " hold over " + MAX_WINDOW + " items back; lower it to " + Math.max(1, MAX_WINDOW / (3 * w) - held));
        } else {
            every = Math.max(1, Math.min(CHECK_EVERY, MAX_WINDOW / (3 * w) - held));
        }
        int window = (int) Math.min(MAX_WINDOW, Math.max(RunJob.window(w, held),
                perItem() || !mode.equals("line") ? 0 : 3L * w * (every + held)));
        return new Settings(w, retries, prefetch, every, timeout == null ? null : duration("--timeout", timeout),
                duration("--stall-warning", stall), h, window);
    }

    /** The items given after {@code :::}, or null. */
    List<String> items() {
        return items;
    }

    /** Whether the command runs once per item. */
    boolean perItem() {
        return template != null;
    }

    /** The command's name, for messages. */
    String commandName() {
        return String.join(" ", command);
    }

    /** The job log's Command of an item: the command run, or (persistent workers) the input. */
    Function<ResultWindow.Item, String> commandOf() {
        return template == null ? ResultWindow.Item::input
                : it -> CommandTemplate.display(template.expand(it.input(), it.number()));
    }

    /** Makes the runner: builds the pool (its workers start) or the per-item spawner. */
    ItemRunner runner(Settings s, BatchStats stats, MetricsEndpoint endpoint) {
        if (redis != null) {
            return new RedisItems(redis, redisPool, command, template, s.timeout(), s.retries() + 1, s.window(),
                    endpoint);
        }
        if (template != null) {
            List<PoolListener> listeners = endpoint == null ? List.of(stats)
                    : List.of(stats, new PoolMetrics(endpoint.registry(), RunJob.POOL_NAME));
            return new PerItem(template, s.workers(), s.timeout(), s.retries(), Map.of(), listeners);
        }
        ExecPool.Builder<String, String> pool = ExecPool.builder(Codec.utf8(), Codec.utf8())
                .name(RunJob.POOL_NAME)
                .workers(s.workers())
                .prefetch(s.prefetch())
                .queueCapacity(s.window())
                .maxAttempts(s.retries() + 1)
                .listener(stats)
                // a command that cannot work fails fast: a few quick deaths before any answer trip the breaker
                .restartBackoff(Duration.ofMillis(10), Duration.ofSeconds(1))
                .crashLoopLimit(Math.max(2, s.workers()), Duration.ofMinutes(1));
        if (mode.equals("line")) {
            LineBuffering buffering = LineBuffering.detect();
            buffering.environment(System.getenv()).forEach(pool::env);
            pool.command(buffering.command(command)).checkedLineMode(s.checkEvery(), s.stall());
        } else {
            pool.command(command);
        }
        if (s.timeout() != null) {
            pool.taskTimeout(s.timeout());
        }
        if (endpoint != null) {
            pool.meterRegistry(endpoint.registry());
        }
        return new PoolItems(pool);
    }

    /** {@code N} (1..1024) or {@code N%} of the processors (at least 1). */
    private int jobs(String text) {
        String t = text.strip();
        int n = -1;
        try {
            if (t.endsWith("%")) {
                int pct = Integer.parseInt(t.substring(0, t.length() - 1));
                n = pct < 1 ? -1 : Math.max(1, Runtime.getRuntime().availableProcessors() * pct / 100);
            } else {
                n = Integer.parseInt(t);
            }
        } catch (NumberFormatException e) {
            n = -1;
        }
        check(n >= 1 && n <= 1024, "--workers (-j) must be 1..1024 or a percentage of the processors such as 50%,"
                + " was " + text);
        return n;
    }

    /** {@code 500ms}, {@code 30s}, {@code 1.5s}, {@code 2m}, {@code 1h}, {@code 30} (seconds), or ISO {@code PT30S}. */
    private Duration duration(String option, String text) {
        Duration d = null;
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            double value = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis = value * switch (unit) {
                case "ms" -> 1;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                default -> 1_000;
            };
            d = millis <= Long.MAX_VALUE / 2e6 ? Duration.ofNanos(Math.round(millis * 1e6)) : null;
        } else if (text.toUpperCase(Locale.ROOT).startsWith("PT")) {
            try {
                d = Duration.parse(text);
            } catch (DateTimeParseException e) {
                d = null;
            }
        }
        check(d != null, option + " must be a duration such as 500ms, 30s, 2m or 1h, was '" + text + "'");
        check(d.toMillis() >= 1, option + " must be at least 1ms, was '" + text + "'");
        return d;
    }

    private void check(boolean valid, String message) {
        if (!valid) {
            throw new ParameterException(cl, message);
        }
    }
}
