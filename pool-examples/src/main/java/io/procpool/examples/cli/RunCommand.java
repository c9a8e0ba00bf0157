package io.procpool.examples.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.procpool.Codec;
import io.procpool.PoolFailedException;
import io.procpool.examples.metrics.MetricsEndpoint;
import io.procpool.runtime.ExecPool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code procpool run}: GNU parallel's job, one task per input line, on persistent, supervised workers. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        customSynopsis = "procpool run [OPTIONS] [--] COMMAND [ARGS...]",
        description = {
            "Runs COMMAND as a pool of persistent workers and feeds it the lines of the input, one task per line.",
            "",
            "Line mode (the default): each line goes to a worker's stdin and the worker's one reply line is the"
                    + " result; any filter that answers one line per line is a worker. Protocol mode: the line is the"
                    + " body of a TASK (docs/protocol.md) and the RESULT body is the result; an ERROR fails the item.",
            "",
            "Results go to the output in input order (as they complete with --as-completed), one line each; failed"
                    + " items go to the failures, one line each: LINE-NUMBER<TAB>INPUT<TAB>ERROR. A worker that dies"
                    + " is replaced and its item retried (--retries). The summary goes to stderr at the end."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every item ended ok",
            "1:some item failed, or the input or output failed",
            "2:bad usage, or the command cannot start (nothing ran)",
            "130:interrupted (Ctrl-C): the workers are stopped, the summary of what finished is printed"})
final class RunCommand implements Callable<Integer> {

    /**
     * The pool's loggers under slf4j-simple, the workers' relayed stderr included: without --verbose only errors,
     * so that stderr holds the failures, the progress and the summary (a crash's last stderr lines are in its error).
     */
    private static final String POOL_LOG_LEVEL = "org.slf4j.simpleLogger.log.io.procpool";
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    @Spec
    private CommandSpec spec;

    @Option(names = "--input", paramLabel = "FILE", description = "the input, one task per line; - is stdin")
    private String input = "-";

    @Option(names = "--output", paramLabel = "FILE", description = "where the results go; - is stdout")
    private String output = "-";

    @Option(names = "--failures", paramLabel = "FILE",
            description = "where failed items go, LINE<TAB>INPUT<TAB>ERROR (default: stderr)")
    private String failures;

    @Option(names = "--workers", paramLabel = "N",
            description = "worker processes (1..1024); the default is the number of processors")
    private int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--mode", paramLabel = "MODE",
            description = "line: a line in on stdin, a line out on stdout; protocol: procpool's protocol on fd 3")
    private String mode = "line";

    @Option(names = "--as-completed", description = "write each result when it completes, not in input order")
    private boolean asCompleted;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "the most one task may take, e.g. 500ms, 30s, 2m, 1h (a number alone: seconds);"
                    + " default: none. In line mode a late worker is killed and replaced")
    private String timeout;

    @Option(names = "--retries", paramLabel = "N",
            description = "how many more times an item whose worker died is tried (0..99)")
    private int retries = 1;

    @Option(names = "--prefetch", paramLabel = "N",
            description = "tasks a worker may hold beyond the one it runs (0..1024): fewer idle gaps for tiny tasks")
    private int prefetch;

    @Mixin
    private MetricsOption metrics;

    @Option(names = "--progress",
            description = "show live progress on stderr (shown anyway when stderr is a terminal)")
    private boolean progress;

    @Option(names = {"-v", "--verbose"}, description = "show the pool's log: worker starts, restarts")
    private boolean verbose;

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "the worker command and its arguments; everything from the first of them on is the"
                    + " command's (a -- before it is allowed)")
    private List<String> command;

    @Override
    public Integer call() {
        Duration taskTimeout = validate();  // before anything starts: a bad option never leaves a worker behind
        if (System.getProperty(POOL_LOG_LEVEL) == null) {
            System.setProperty(POOL_LOG_LEVEL, verbose ? "info" : "error");
        }
        CommandLine cl = spec.commandLine();
        int window = RunJob.window(workers, prefetch);
        ExecPool.Builder<String, String> pool = ExecPool.builder(Codec.utf8(), Codec.utf8())
                .name(RunJob.POOL_NAME)
                .command(command)
                .workers(workers)
                .prefetch(prefetch)
                .queueCapacity(window)
                .maxAttempts(retries + 1);
        if (mode.equals("line")) {
            pool.lineMode();
        }
        if (taskTimeout != null) {
            pool.taskTimeout(taskTimeout);
        }
        boolean terminal = Progress.stderrIsTerminal();
        MetricsEndpoint endpoint = metrics.start(cl.getErr());  // a port in use ends the command here
        if (endpoint != null) {
            pool.meterRegistry(endpoint.registry());
        }
        try (InputStream in = openInput();
             Sink out = openOutput();
             Sink failed = failures == null ? Sink.stderr(cl.getErr(), terminal)
                     : Sink.file(open("--failures", failures), failures)) {
            return new RunJob(pool, window, asCompleted, in, out, failed, cl.getErr(), progress || terminal, terminal)
                    .run();
        } catch (PoolFailedException e) {
            // the command cannot start (missing, not executable, exits at once): the message names the errno, or
            // ends with the command's last stderr lines; nothing ran, no worker is left
            cl.getErr().println("procpool run: cannot start the command: " + RunJob.describe(e));
            cl.getErr().flush();
            return 2;
        } catch (IOException e) {
            // closing a file failed after the run (its last buffer could not be written): it may be incomplete
            cl.getErr().println("procpool run: cannot finish writing the output: " + e.getMessage());
            cl.getErr().flush();
            return 1;
        } finally {
            if (endpoint != null) {
                endpoint.close();
            }
        }
    }

    private Duration validate() {
        check(command != null && !command.isEmpty() && !command.get(0).isBlank(),
                "a command is needed after the options, for example: procpool run --input lines.txt -- sh worker.sh");
        check(workers >= 1 && workers <= 1024, "--workers must be 1..1024, was " + workers);
        check(mode.equals("line") || mode.equals("protocol"), "--mode must be line or protocol, was '" + mode + "'");
        check(retries >= 0 && retries <= 99, "--retries must be 0..99, was " + retries);
        check(prefetch >= 0 && prefetch <= 1024, "--prefetch must be 0..1024, was " + prefetch);
        metrics.validate();
        if (!input.equals("-")) {
            Path p = Path.of(input);
            check(Files.exists(p), "--input " + input + ": no such file");
            check(!Files.isDirectory(p), "--input " + input + ": is a directory");
            check(Files.isReadable(p), "--input " + input + ": cannot be read (permission denied)");
        }
        check(!sameFile(input, output), "--output must not be the input, was " + output);
        check(!sameFile(input, failures), "--failures must not be the input, was " + failures);
        check(!sameFile(output, failures), "--failures and --output must not be the same file, was " + output);
        return timeout == null ? null : parseTimeout(timeout);
    }

    /** {@code 500ms}, {@code 30s}, {@code 1.5s}, {@code 2m}, {@code 1h}, {@code 30} (seconds), or ISO {@code PT30S}. */
    private Duration parseTimeout(String text) {
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
            d = millis <= Long.MAX_VALUE / 2 ? Duration.ofNanos(Math.round(millis * 1e6)) : null;
        } else if (text.toUpperCase(Locale.ROOT).startsWith("PT")) {
            try {
                d = Duration.parse(text);
            } catch (DateTimeParseException e) {
                d = null;
            }
        }
        check(d != null, "--timeout must be a duration such as 500ms, 30s, 2m or 1h, was '" + text + "'");
        check(d.toMillis() >= 1, "--timeout must be at least 1ms, was '" + text + "'");
        return d;
    }

    private InputStream openInput() {
        if (input.equals("-")) {
            return new java.io.FilterInputStream(System.in) {
                @Override
                public void close() {
                    // stdin stays open: it is not ours
                }
            };
        }
        try {
            return Files.newInputStream(Path.of(input));
        } catch (NoSuchFileException e) {
            throw new ParameterException(spec.commandLine(), "--input " + input + ": no such file");
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--input " + input + ": cannot be read (" + e + ")");
        }
    }

    private Sink openOutput() {
        if (output.equals("-")) {
            // bytes, not System.out's platform charset: a result goes out as the UTF-8 it came as
            return Sink.stdout(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8),
                    1 << 16), System.out);
        }
        return Sink.file(open("--output", output), output);
    }

    private BufferedWriter open(String option, String file) {
        try {
            return Files.newBufferedWriter(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why = e instanceof NoSuchFileException ? "no such directory"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.toString();
            throw new ParameterException(spec.commandLine(), option + " " + file + ": cannot be written (" + why + ")");
        }
    }

    /** Whether two of the files name the same existing file (writing one would truncate the other). */
    private static boolean sameFile(String a, String b) {
        if (a == null || b == null || a.equals("-") || b.equals("-")) {
            return false;
        }
        try {
            return a.equals(b) || Files.exists(Path.of(b)) && Files.isSameFile(Path.of(a), Path.of(b));
        } catch (IOException e) {
            return false;  // one cannot be read: opening it says why
        }
    }

    private void check(boolean valid, String message) {
        if (!valid) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
