package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** Starts a node in a JVM of its own ({@link NodeMain}) for the end-to-end tests. */
final class NodeJvm {

    private NodeJvm() {
    }

    /** A node JVM of its own, its stderr to {@code log}; ready (its workers up) when it returns. */
    static Process start(RedisServer server, String pool, int workers, Duration lease, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                NodeMain.class.getName(), server.uri(), pool, Integer.toString(workers),
                Long.toString(lease.toMillis()));
        pb.redirectError(log.toFile());
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("node JVM said READY (its log: %s)", log).startsWith("READY ");
        return p;
    }
}
