package io.procpool.examples.cli;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.RedisClient;
import io.procpool.TaskOptions;
import io.procpool.TaskRejectedException;
import io.procpool.examples.metrics.MetricsEndpoint;
import io.procpool.redis.RedisClients;
import io.procpool.redis.RedisSubmitter;

/**
 * The items of {@code procpool run --redis}: each is a {@link RemoteCommand} task submitted to a pool's nodes
 * ({@code procpool node}) through Redis. Nothing runs here: there is no local process to start or reap. A stop
 * cancels what is outstanding, which stops it on its node.
 */
final class RedisItems implements ItemRunner {

    private final RedisClient client;
    private final RedisSubmitter submitter;
    private final List<String> command;
    private final CommandTemplate template;
    private final TaskOptions options;
    private final Set<CompletableFuture<String>> live = ConcurrentHashMap.newKeySet();

    RedisItems(String url, String pool, List<String> command, CommandTemplate template, Duration timeout,
               int attempts, int window, MetricsEndpoint endpoint) {
        this.command = List.copyOf(command);
        this.template = template;
        this.options = new TaskOptions(timeout, attempts);
        this.client = RedisClients.create(url, Duration.ofSeconds(5));
        try {
            this.submitter = new RedisSubmitter(client, pool, window, false, attempts, List.of());
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
        if (endpoint != null) {
            submitter.meterRegistry(endpoint.registry());
        }
    }

    @Override
    public CompletableFuture<String> submit(long number, String input) {
        RemoteCommand task = template != null ? new RemoteCommand(template.expand(input, number), null)
                : new RemoteCommand(command, input);
        CompletableFuture<String> f;
        try {
            f = submitter.submit(task, options);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TaskRejectedException("run - interrupted while waiting to submit item " + number);
        }
        live.add(f);
        f.whenComplete((v, t) -> live.remove(f));
        return f;
    }

    @Override
    public void shutdown() {
        // the nodes go on serving; what was submitted completes
    }

    @Override
    public void stopNow() {
        for (CompletableFuture<String> f : List.copyOf(live)) {
            f.cancel(true);  // deletes its entry; the node that holds it stops it
        }
    }

    @Override
    public boolean isTerminated() {
        return live.isEmpty();
    }

    @Override
    public long reaped() {
        return 0;
    }

    @Override
    public void close() {
        submitter.close();
        client.shutdown();
    }
}
