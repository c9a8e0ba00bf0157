package io.procpool.examples.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.procpool.Task;
import io.procpool.TaskOptions;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * End to end: a pool with crashes behind the example endpoint, scraped over HTTP; the exposition passes
 * {@code promtool check metrics}, and every series the Grafana dashboard and the alert rules query is really there.
 */
@ExtendWith(NoChildLeft.class)
class MetricsEndpointTest {

    private static final Path DOCS = Path.of("..", "docs").toAbsolutePath().normalize();

    /** Halts its worker JVM. */
    record Crash() implements Task<Integer> {
        @Override
        public Integer call() {
            Runtime.getRuntime().halt(3);
            return 0;
        }
    }

    private static String scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        return r.body();
    }

    @Test
    void scrapedMetricsCountCrashesAndReapsAndCoverTheDashboardAndAlerts() throws Exception {
        String text;
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(0);
             TaskPool pool = TaskPool.builder().name("e2e").workers(2).meterRegistry(endpoint.registry()).build()) {
            for (int i = 0; i < 10; i++) {
                assertThat(pool.submit(() -> 6 * 7).get(60, TimeUnit.SECONDS)).isEqualTo(42);
            }
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> pool.submit(new Crash(), TaskOptions.DEFAULTS.withMaxAttempts(1))
                        .get(60, TimeUnit.SECONDS)).hasMessageContaining("exited 3");
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> pool.stats().idle() == 2);
            text = scrape(endpoint.port());
        }
        assertThat(text).contains("procpool_zombies_reaped_total{pool=\"e2e\"} 2.0");
        assertThat(text).contains("procpool_workers_restarts_total{pool=\"e2e\",reason=\"crash\"} 2.0");
        assertThat(text).contains("procpool_workers_restarts_total{pool=\"e2e\",reason=\"max_rss\"} 0.0");
        assertThat(text).contains("procpool_tasks_execution_seconds_count{outcome=\"success\",pool=\"e2e\"} 10");
        assertThat(text).contains("procpool_workers{pool=\"e2e\",state=\"idle\"} 2.0");

        promtoolAccepts(text);
        Set<String> series = seriesNames(text);
        assertThat(queriedNames(dashboardExpressions())).as("series the dashboard queries").isNotEmpty()
                .allSatisfy(name -> assertThat(series).as("exported series").contains(name));
        assertThat(queriedNames(List.of(Files.readString(DOCS.resolve("prometheus/alerts.yml")))))
                .as("series the alert rules query").isNotEmpty()
                .allSatisfy(name -> assertThat(series).as("exported series").contains(name));
    }

    /** Every series name in an exposition, without labels. */
    static Set<String> seriesNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    /**
     * Every procpool_ identifier in these PromQL texts but the scale-out ones ({@code procpool_redis_}): a Redis node
     * exports those, and PrometheusRedisTest checks them against a real Prometheus.
     */
    static Set<String> queriedNames(List<String> texts) {
        Set<String> names = new TreeSet<>();
        Pattern p = Pattern.compile("\\bprocpool_[a-z_]+");
        for (String t : texts) {
            Matcher m = p.matcher(t);
            while (m.find()) {
                if (!m.group().startsWith("procpool_redis_")) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }

    /** The expr of every target of every panel of the dashboard. */
    static List<String> dashboardExpressions() throws Exception {
        JsonNode root = new ObjectMapper().readTree(DOCS.resolve("grafana/procpool-dashboard.json").toFile());
        List<String> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(JsonNode node, List<String> out) {
        if (node.isObject()) {
            for (var e : node.properties()) {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    out.add(e.getValue().asText());
                } else {
                    collect(e.getValue(), out);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, out));
        }
    }

    /** {@code promtool check metrics} (Debian's prometheus package, installed by .ci/run) reads the exposition. */
    private static void promtoolAccepts(String exposition) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("promtool is needed: apt-get install prometheus (.ci/run does)", e);
        }
        p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics said:\n" + out).isZero();
    }
}
