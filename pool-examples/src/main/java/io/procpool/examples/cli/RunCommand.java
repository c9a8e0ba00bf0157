package io.procpool.examples.cli;

import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import io.procpool.PoolFailedException;
import io.procpool.examples.metrics.MetricsEndpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code procpool run}: GNU parallel's job, one task per input line, on persistent supervised workers or per item. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        customSynopsis = {"procpool run [OPTIONS] [--] COMMAND [ARGS...] [::: ITEMS...]"},
        description = {
            "Runs COMMAND over the items of the input (its lines; NUL-separated with -0; or the ITEMS after :::).",
            "",
            "Persistent workers (COMMAND without {}): COMMAND runs as a pool of long-lived workers. Line mode (the"
                    + " default): each item goes to a worker's stdin as a line and the worker's one reply line is the"
                    + " result; a reply starting 'error: ' fails the item. A worker's replies are believed only once"
                    + " it has exited cleanly with every request answered and no line to spare (its input is ended"
                    + " every --check-every items to check it): an extra or a missing line fails its items, never"
                    + " gives one item another's answer. Protocol mode: the item is the body of a TASK"
                    + " (docs/protocol.md), the RESULT is the result and an ERROR fails the item.",
            "",
            "One process per item (COMMAND holding {}, {.}, {/}, {//}, {/.} or {#}, as in GNU parallel): COMMAND runs"
                    + " once per item with the item in place of {}; its stdout is the result and a non-zero exit"
                    + " fails the item. Several words are the argv (no shell); one word with spaces runs under sh -c"
                    + " with the item quoted.",
            "",
            "Results go to the output in input order (as they complete with --as-completed); failed items go to the"
                    + " failures, one line each: LINE-NUMBER<TAB>INPUT<TAB>ERROR. Worker stderr is passed through,"
                    + " prefixed with the worker's name (--quiet hides it). The summary goes to stderr at the end."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every item ended ok (or --halt ...,success= was reached)",
            "1:some item failed, or the input or output failed",
            "2:bad usage, or the command cannot work (it cannot start, or its workers exit before answering)",
            "130:interrupted (Ctrl-C): the workers are stopped, the summary of what finished is printed"})
final class RunCommand implements Callable<Integer> {

    /**
     * The pool's loggers under slf4j-simple: without --verbose only errors, so that stderr holds the failures, the
     * progress and the summary. The workers' relayed stderr is a level of its own: shown unless --quiet.
     */
    private static final String POOL_LOG_LEVEL = "org.slf4j.simpleLogger.log.io.procpool";
    private static final String CHILD_LOG_LEVEL = "org.slf4j.simpleLogger.log.io.procpool.child";

    @Spec
    private CommandSpec spec;

    @Option(names = {"--input", "-a", "--arg-file"}, paramLabel = "FILE",
            description = "the input, one item per line; - is stdin")
    private String input = "-";

    @Option(names = {"-0", "--null"}, description = "items are separated by NUL, not newline (find -print0)")
    private boolean nul;

    @Option(names = "--output", paramLabel = "FILE", description = "where the results go; - is stdout")
    private String output = "-";

    @Option(names = "--failures", paramLabel = "FILE",
            description = "where failed items go, LINE<TAB>INPUT<TAB>ERROR (default: stderr)")
    private String failures;

    @Option(names = {"--workers", "-j", "--jobs"}, paramLabel = "N",
            description = "workers, or processes at once per item: 1..1024, or N%% of the processors;"
                    + " the default is the number of processors")
    private String workers = Integer.toString(Runtime.getRuntime().availableProcessors());

    @Option(names = "--mode", paramLabel = "MODE",
            description = "line: a line in on stdin, a line out on stdout; protocol: procpool's protocol on fd 3")
    private String mode = "line";

    @Option(names = "--as-completed", description = "write each result when it completes, not in input order")
    private boolean asCompleted;

    @Option(names = "--tag", description = "start each output line with its input and a TAB")
    private boolean tag;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "the most one item may take, e.g. 500ms, 30s, 2m, 1h (a number alone: seconds);"
                    + " default: none. A late line-mode worker or item process is killed (and replaced)")
    private String timeout;

    @Option(names = "--retries", paramLabel = "N",
            description = "how many more times an item is tried whose worker died (or whose process was killed by a"
                    + " signal), 0..99")
    private int retries = 1;

    @Option(names = "--halt", paramLabel = "WHEN",
            description = "stop early: now|soon,fail=N|N%% or now|soon,success=N|N%% (now kills what runs, soon lets"
                    + " it finish); never runs everything")
    private String halt = "never";

    @Option(names = "--joblog", paramLabel = "FILE",
            description = "log each finished item in GNU parallel's joblog format (Seq = input line number)")
    private String joblog;

    @Option(names = "--resume", description = "with --joblog: skip the items the job log lists, append to it")
    private boolean resume;

    @Option(names = "--resume-failed",
            description = "with --joblog: skip the items the job log lists as ok; run the failed and the missing")
    private boolean resumeFailed;

    @Option(names = "--prefetch", paramLabel = "N",
            description = "tasks a worker may hold beyond the one it runs (0..1024): fewer idle gaps for tiny tasks")
    private int prefetch;

    @Option(names = "--check-every", paramLabel = "N",
            description = "line mode: a worker's input is ended after N items, to check that it answered each"
                    + " exactly once (1..100000; default: 1000, less with many workers)")
    private Integer checkEvery;

    @Option(names = "--stall-warning", paramLabel = "DURATION",
            description = "line mode: when no reply came for this long, say so once (naming block-buffered stdout)"
                    + " and end the silent worker's input, which makes such a worker flush")
    private String stallWarning = "10s";

    @Option(names = "--redis", paramLabel = "URL",
            description = "run the items on the nodes of a pool on Redis (procpool node) instead of here; each item"
                    + " runs COMMAND on a node's worker: the item as a line on its stdin (its stdout without the last"
                    + " newline is the result), or in place of {} (all its stdout); a non-zero exit fails the item."
                    + " redis://[user:password@]host:port[/db] or rediss://")
    private String redis;

    @Option(names = "--pool", paramLabel = "NAME", description = "with --redis: the pool (stream) to submit to;"
            + " default: run")
    private String pool;

    @Mixin
    private MetricsOption metrics;

    @Option(names = {"--progress", "--eta", "--bar"},
            description = "show live progress with an ETA on stderr (shown anyway when stderr is a terminal)")
    private boolean progress;

    @Option(names = {"-q", "--quiet"}, description = "hide the workers' stderr")
    private boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "show the pool's log: worker starts, restarts")
    private boolean verbose;

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "the command and its arguments; everything from the first of them on is the command's"
                    + " (a -- before it is allowed); ::: then starts the items")
    private List<String> command;

    @Override
    public Integer call() {
        RunSetup setup = new RunSetup(spec.commandLine(), command, mode).remote(redis, pool);
        RunSetup.Settings s = setup.settings(workers, retries, prefetch, checkEvery, timeout, stallWarning, halt);
        if (resume || resumeFailed) {
            check(joblog != null, "--resume and --resume-failed need --joblog FILE");
            check(!(resume && resumeFailed), "--resume and --resume-failed exclude each other");
        }
        metrics.validate();
        if (setup.items() != null) {
            check(input.equals("-"), "--input and ::: exclude each other: give the items one way");
        } else if (!input.equals("-")) {
            Path p = Path.of(input);
            check(Files.exists(p), "--input " + input + ": no such file");
            check(!Files.isDirectory(p), "--input " + input + ": is a directory");
            check(Files.isReadable(p), "--input " + input + ": cannot be read (permission denied)");
        }
        check(!sameFile(input, output), "--output must not be the input, was " + output);
        check(!sameFile(input, failures), "--failures must not be the input, was " + failures);
        check(!sameFile(output, failures), "--failures and --output must not be the same file, was " + output);
        check(!sameFile(joblog, output) && !sameFile(joblog, input), "--joblog must not be the input or the output");
        Set<Long> skip = resumeSet();
        // before anything starts: a bad option never leaves a worker behind
        if (System.getProperty(POOL_LOG_LEVEL) == null) {
            System.setProperty(POOL_LOG_LEVEL, verbose ? "info" : "off");  // the run reports what went wrong
        }
        System.setProperty(CHILD_LOG_LEVEL, quiet ? "error" : "info");
        CommandLine cl = spec.commandLine();
        boolean terminal = Progress.stderrIsTerminal();
        MetricsEndpoint endpoint = metrics.start(cl.getErr());  // a port in use ends the command here
        BatchStats stats = new BatchStats();
        try (InputStream in = openInput(setup.items());
             Sink out = openOutput();
             Sink failed = failures == null ? Sink.stderr(cl.getErr(), terminal)
                     : Sink.file(open("--failures", failures), failures)) {
            Joblog log = joblog == null ? null : openJoblog();
            try {
                ItemWriter writer = new ItemWriter(out, failed, log, tag, setup.perItem(),
                        !setup.perItem() && mode.equals("line"), setup.commandOf());
                RunJob.Options options = new RunJob.Options(asCompleted, s.halt(),
                        setup.perItem() || !mode.equals("line") ? null : s.stall(), skip, setup.commandName());
                return new RunJob(() -> setup.runner(s, stats, endpoint), s.window(), options,
                        new InputLines(in, nul || setup.items() != null), writer, cl.getErr(), stats,
                        progress || terminal, terminal).run();
            } finally {
                if (log != null) {
                    log.sink().close();
                }
            }
        } catch (PoolFailedException e) {
            // the command cannot start (missing, not executable): the message names the errno; nothing ran
            cl.getErr().println("procpool run: cannot start the command: " + FailureText.describe(e));
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

    /** A duration as the options take it: {@code 300ms}, {@code 10s}, {@code 1.5s}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        return ms < 1000 ? ms + "ms" : ms % 1000 == 0 ? ms / 1000 + "s" : String.format(java.util.Locale.ROOT,
                "%.3gs", ms / 1e3);
    }

    private Set<Long> resumeSet() {
        if (!resume && !resumeFailed) {
            return Set.of();
        }
        try {
            return Joblog.done(Path.of(joblog), resumeFailed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--joblog " + e.getMessage());
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--joblog " + joblog + ": cannot be read (" + e + ")");
        }
    }

    private Joblog openJoblog() {
        try {
            return Joblog.open(Path.of(joblog), resume || resumeFailed);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--joblog " + joblog + ": cannot be written (" + e + ")");
        }
    }

    private InputStream openInput(List<String> items) {
        if (items != null) {
            return new ByteArrayInputStream(String.join("\0", items).concat("\0").getBytes(StandardCharsets.UTF_8));
        }
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
