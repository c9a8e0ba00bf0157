package io.procpool.examples.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.procpool.Task;
import io.procpool.examples.cli.LocalRedis;
import io.procpool.redis.RedisClients;
import io.procpool.redis.RedisNode;
import io.procpool.redis.RedisSubmitter;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real Prometheus (Debian's {@code prometheus}, installed by .ci/run) scrapes a Redis node and a submitter through
 * the example endpoint; every query of the dashboard's panels and of the alert rules that concern Redis returns data.
 */
@ExtendWith(NoChildLeft.class)
class PrometheusRedisTest {

    private static final Path DOCS = Path.of("..", "docs").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Returns its input. */
    record Echo(int value) implements Task<Integer> {
        @Override
        public Integer call() {
            return value;
        }
    }

    @Test
    void everyRedisQueryOfTheDashboardAndTheAlertRulesReturnsData() throws Exception {
        List<String> queries = redisQueries();
        assertThat(queries).as("Redis queries of the dashboard and alerts").hasSizeGreaterThan(10);
        Path dir = Files.createTempDirectory("procpool-prom");
        Process prometheus = null;
        try (LocalRedis redis = new LocalRedis(dir);
             MetricsEndpoint endpoint = MetricsEndpoint.start(0)) {
            RedisClient client = RedisClients.create(redis.uri(), Duration.ofSeconds(2));
            try (RedisNode node = RedisNode.start(client, "prom", Duration.ofSeconds(5), TaskPool.builder()
                         .name("prom-node").workers(1).meterRegistry(endpoint.registry()));
                 RedisSubmitter submitter = new RedisSubmitter(client, "prom", 100, false, 3, List.of())
                         .meterRegistry(endpoint.registry())) {
                node.meterRegistry(endpoint.registry());
                for (int i = 0; i < 5; i++) {
                    assertThat(submitter.submit(new Echo(i)).get(60, TimeUnit.SECONDS)).isEqualTo(i);
                }
                int port = freePort();
                prometheus = startPrometheus(dir, port, endpoint.port());
                // a few scrapes, one a second: rate() and increase() need two samples in their window
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    for (String q : queries) {
                        assertThat(query(port, q)).as("result of %s", q).isNotEmpty();
                    }
                });
            } finally {
                client.shutdown();
            }
        } finally {
            if (prometheus != null) {
                prometheus.destroy();  // SIGTERM: Prometheus shuts down cleanly
                if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                    prometheus.waitFor();
                }
                assertThat(prometheus.toHandle().isAlive()).as("the prometheus process is gone").isFalse();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * The dashboard's exprs that concern Redis, with Grafana's variables filled in, and each Redis alert rule's query
     * without its comparison (a rule that does not fire returns nothing; its query must).
     */
    static List<String> redisQueries() throws IOException, Exception {
        List<String> out = new ArrayList<>();
        for (String e : MetricsEndpointTest.dashboardExpressions()) {
            if (e.contains("procpool_redis_")) {
                out.add(e.replace("$redis_pool", ".*").replace("$pool", ".*").replace("$__rate_interval", "15s")
                        .replace("$__range", "1m"));
            }
        }
        for (String line : Files.readAllLines(DOCS.resolve("prometheus/alerts.yml"))) {
            String t = line.trim();
            if (t.startsWith("expr:") && t.contains("procpool_redis_")) {
                out.add(t.substring("expr:".length()).trim().replaceAll("\\s*(==|!=|>=|<=|>|<)\\s*[0-9.]+$", ""));
            }
        }
        return out;
    }

    private static JsonNode query(int port, String promql) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("Prometheus answered %s: %s", promql, r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body()).path("data").path("result");
    }

    private static Process startPrometheus(Path dir, int port, int target) throws IOException, InterruptedException {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: procpool-node
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(target));
        Process p;
        try {
            p = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("prometheus is needed: apt-get install prometheus (.ci/run does)", e);
        }
        Process started = p;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(started.isAlive()).as("prometheus runs (its log: %s)", Files.readString(
                    dir.resolve("prometheus.log"))).isTrue();
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException notYet) {
                return false;
            }
        });
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
