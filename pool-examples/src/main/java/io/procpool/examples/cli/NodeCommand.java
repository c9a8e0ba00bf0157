package io.procpool.examples.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.lettuce.core.RedisClient;
import io.procpool.examples.metrics.MetricsEndpoint;
import io.procpool.redis.RedisClients;
import io.procpool.redis.RedisNode;
import io.procpool.runtime.TaskPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code procpool node}: serves a pool's task stream on Redis with local worker JVMs, until stopped. */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {
            "Serves the tasks of a pool's Redis stream (docs/scale-out.md) with a pool of local worker JVMs, until"
                    + " stopped (Ctrl-C, SIGTERM: takes no more tasks, finishes what it holds, then exits).",
            "",
            "The task classes must be on this JVM's class path (PROCPOOL_JAVA_OPTS=-cp ... or --classpath): the"
                    + " workers run with it. Run as many nodes as you like, on as many machines."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped", "1:Redis or the workers could not start", "2:bad usage"})
final class NodeCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--redis", required = true, paramLabel = "URL",
            description = "redis://[user:password@]host:port[/db], or rediss:// for TLS")
    private String redis;

    @Option(names = "--pool", required = true, paramLabel = "NAME", description = "the pool (stream) to serve")
    private String pool;

    @Option(names = "--workers", paramLabel = "N", description = "worker JVMs (1..1024)")
    private int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--lease", paramLabel = "DURATION",
            description = "how long a held task may go unrenewed before another node takes it over (ISO-8601 or"
                    + " e.g. 30s)")
    private String lease = "30s";

    @Option(names = "--prefetch", paramLabel = "N",
            description = "tasks each worker holds waiting beyond the one it runs (0..1024); 1 hides the hand-off"
                    + " between short tasks")
    private int prefetch;

    @Option(names = "--read-ahead", paramLabel = "N",
            description = "tasks the node fetches from Redis beyond its workers' free places (0..1024): short"
                    + " tasks then never wait for a read from Redis; at the end of a batch up to N tasks wait here")
    private int readAhead;

    @Option(names = "--allow", paramLabel = "CLASS", split = ",",
            description = "only these classes may travel to the workers (Kryo registration; recommended on a shared"
                    + " Redis)")
    private List<String> allow = new ArrayList<>();

    @Option(names = "--classpath", paramLabel = "PATH", description = "the workers' class path (default: this JVM's)")
    private String classpath;

    @Mixin
    private MetricsOption metrics;

    @Override
    public Integer call() throws Exception {
        Duration leaseTime = DlqCommand.duration(spec, "--lease", lease);
        if (leaseTime.toMillis() < 100) {
            throw new ParameterException(spec.commandLine(), "--lease must be at least 100ms, was " + lease);
        }
        String badUrl = RedisUrl.problem(redis);
        if (badUrl != null) {
            throw new ParameterException(spec.commandLine(), badUrl);
        }
        try {
            new io.procpool.redis.StreamLayout(pool);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--pool: " + e.getMessage());
        }
        if (workers < 1 || workers > 1024) {
            throw new ParameterException(spec.commandLine(), "--workers must be 1..1024, was " + workers);
        }
        if (prefetch < 0 || prefetch > 1024) {
            throw new ParameterException(spec.commandLine(), "--prefetch must be 0..1024, was " + prefetch);
        }
        if (readAhead < 0 || readAhead > 1024) {
            throw new ParameterException(spec.commandLine(), "--read-ahead must be 0..1024, was " + readAhead);
        }
        metrics.validate();
        List<Class<?>> allowed = new ArrayList<>();
        for (String name : allow) {
            try {
                allowed.add(Class.forName(name));
            } catch (ClassNotFoundException e) {
                throw new ParameterException(spec.commandLine(), "--allow " + name + ": no such class on the class"
                        + " path");
            }
        }
        RedisClient client = RedisClients.create(redis, Duration.ofSeconds(5));
        MetricsEndpoint endpoint = metrics.start(spec.commandLine().getErr());
        TaskPool.Builder builder = TaskPool.builder().name(pool).workers(workers).prefetch(prefetch)
                .allow(allowed.toArray(new Class<?>[0]));
        if (classpath != null) {
            builder.classpath(classpath);
        }
        if (endpoint != null) {
            builder.meterRegistry(endpoint.registry());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (RedisNode node = RedisNode.start(client, pool, leaseTime, readAhead, builder)) {
            if (endpoint != null) {
                node.meterRegistry(endpoint.registry());
            }
            RedisNode serving = node;  // closed by the hook on SIGTERM (idempotent), again by the try: harmless
            Thread hook = new Thread(() -> {
                serving.close();
                stopped.countDown();
            }, "procpool-node-exit");
            Runtime.getRuntime().addShutdownHook(hook);
            spec.commandLine().getErr().println("node " + node.consumer() + " serving pool " + pool + " with "
                    + workers + " workers (prefetch " + prefetch + ", read-ahead " + readAhead + ")");
            spec.commandLine().getErr().flush();
            stopped.await();
        } finally {
            if (endpoint != null) {
                endpoint.close();
            }
            client.shutdown();
        }
        return 0;
    }
}
