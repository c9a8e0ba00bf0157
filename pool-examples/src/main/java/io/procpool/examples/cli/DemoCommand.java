package io.procpool.examples.cli;

import java.util.concurrent.Callable;

import io.procpool.examples.metrics.MetricsEndpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code procpool demo}: a real batch on a pool of worker JVMs, with crashes injected on purpose. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {
            "Runs a CPU-heavy batch on a pool of worker JVMs, crashing some workers on purpose.",
            "",
            "Each item hashes a seed-derived buffer with SHA-256 many times. The items that --crash-rate and --seed"
                    + " choose kill their worker on their first attempt; the pool replaces the worker and retries"
                    + " the item, which then succeeds. Live progress goes to stderr; the summary goes to stdout, with"
                    + " a check value that depends only on --items, --seed and --rounds."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every item ended ok",
            "1:some item failed",
            "2:bad usage",
            "130:interrupted (Ctrl-C): the summary of what finished is printed"})
final class DemoCommand implements Callable<Integer> {

    static final int MAX_ITEMS = 10_000_000;

    /** The pool's loggers under slf4j-simple: without --verbose only errors, so the progress line stays whole. */
    private static final String POOL_LOG_LEVEL = "org.slf4j.simpleLogger.log.io.procpool";

    @Spec
    private CommandSpec spec;

    @Option(names = "--items", paramLabel = "N", description = "items in the batch (0.." + MAX_ITEMS + ")")
    private int items = 2000;

    @Option(names = "--workers", paramLabel = "N",
            description = "worker JVMs (1..1024); the default is the number of processors")
    private int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--spares", paramLabel = "N",
            description = "warm spare workers (0..16) that take a crashed worker's place at once")
    private int spares = 1;

    @Option(names = "--max-spares", paramLabel = "N",
            description = "up to this many spares (--spares..16) while workers crash: one per crash"
                    + " within a start-time")
    private int maxSpares = -1;

    @Option(names = "--spare-nice", paramLabel = "N",
            description = "spares and successors start at this nice value (0..19), normal once ready")
    private int spareNice;

    @Option(names = "--warm-up", paramLabel = "ROUNDS",
            description = "SHA-256 rounds each worker hashes before it is ready (0..10000000): spares start warm")
    private int warmUp;

    @Option(names = "--worker-java", paramLabel = "PATH",
            description = "the workers' java executable (default: the one running the demo); a JDK 25+ java records"
                    + " and maps an AOT cache, which starts and warms up workers faster (docs/startup-benchmarks.md)")
    private String workerJava;

    @Option(names = "--crash-rate", paramLabel = "RATE",
            description = "share of the items (0..1) that kill their worker on their first attempt")
    private double crashRate = 0.01;

    @Option(names = "--seed", paramLabel = "N",
            description = "what the items and the choice of crashing items derive from")
    private long seed = 42;

    @Option(names = "--rounds", paramLabel = "N",
            description = "SHA-256 rounds per item (1..10000000): the CPU work of one item, a few ms by default")
    private int rounds = 20_000;

    @Mixin
    private MetricsOption metrics;

    @Option(names = {"-v", "--verbose"}, description = "show the pool's log: worker starts, each crash")
    private boolean verbose;

    @Override
    public Integer call() {
        validate();  // before anything starts: a bad option never leaves a worker behind
        if (System.getProperty(POOL_LOG_LEVEL) == null) {
            System.setProperty(POOL_LOG_LEVEL, verbose ? "info" : "error");
        }
        CommandLine cl = spec.commandLine();
        MetricsEndpoint endpoint = metrics.start(cl.getErr());  // a port in use ends the command here
        try {
            return new DemoRun(new DemoBatch(items, seed, crashRate, rounds), workers, spares,
                    Math.max(spares, maxSpares), spareNice, warmUp, workerJava,
                    endpoint == null ? null : endpoint.registry(), cl.getOut(), cl.getErr(), System.console() != null)
                    .run();
        } finally {
            if (endpoint != null) {
                endpoint.close();
            }
        }
    }

    private void validate() {
        check(items >= 0 && items <= MAX_ITEMS, "--items must be 0.." + MAX_ITEMS + ", was " + items);
        check(workers >= 1 && workers <= 1024, "--workers must be 1..1024, was " + workers);
        check(spares >= 0 && spares <= 16, "--spares must be 0..16, was " + spares);
        check(maxSpares == -1 || maxSpares >= spares && maxSpares <= 16,
                "--max-spares must be " + spares + "..16 (from --spares), was " + maxSpares);
        check(warmUp >= 0 && warmUp <= 10_000_000, "--warm-up must be 0..10000000, was " + warmUp);
        check(spareNice >= 0 && spareNice <= 19, "--spare-nice must be 0..19, was " + spareNice);
        check(workerJava == null || !workerJava.isBlank() && (!workerJava.contains("/")
                || java.nio.file.Files.isExecutable(java.nio.file.Path.of(workerJava))),
                "--worker-java must be an executable java, was " + workerJava);
        check(crashRate >= 0 && crashRate <= 1, "--crash-rate must be 0..1, was " + crashRate);  // NaN too
        check(rounds >= 1 && rounds <= 10_000_000, "--rounds must be 1..10000000, was " + rounds);
        metrics.validate();
    }

    private void check(boolean valid, String message) {
        if (!valid) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
