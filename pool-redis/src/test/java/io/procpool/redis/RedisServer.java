package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private redis-server (Debian's) for one test: a free loopback port, a temp directory, no persistence (or an AOF,
 * {@link #start(boolean)}). It can be killed and started again on the same port (a Redis restart that loses
 * everything, or keeps what its AOF has). {@link #close()} kills it and asserts that the process is gone: no daemon is
 * left behind.
 */
final class RedisServer implements AutoCloseable {

    private final Path dir;
    private final int port;
    private Process process;
    private final Deque<String> lastLines = new ArrayDeque<>();
    private final boolean aof;

    private RedisServer(Path dir, int port, boolean aof) {
        this.dir = dir;
        this.port = port;
        this.aof = aof;
    }

    static RedisServer start() {
        return start(false);
    }

    /**
     * With {@code aof}, the server persists every write to its append-only file before it answers ({@code appendonly
     * yes}, {@code appendfsync always}): a {@link #restart()} loads it back.
     */
    static RedisServer start(boolean aof) {
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            RedisServer r = new RedisServer(Files.createTempDirectory("procpool-redis"), port, aof);
            r.launch();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    private void launch() throws IOException {
        ProcessBuilder pb = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", aof ? "yes" : "no", "--appendfsync", "always", "--dir", dir.toString(), "--daemonize", "no",
                "--protected-mode", "yes", "--loglevel", "notice");
        pb.redirectErrorStream(true);
        process = pb.start();
        CountDownLatch ready = new CountDownLatch(1);
        Process p = process;
        Thread out = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lastLines) {
                        lastLines.addLast(line);
                        if (lastLines.size() > 20) {
                            lastLines.removeFirst();
                        }
                    }
                    if (line.contains("Ready to accept connections")) {
                        ready.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the server was killed
            } finally {
                ready.countDown();
            }
        }, "redis-server-" + port);
        out.setDaemon(true);
        out.start();
        try {
            if (!ready.await(30, TimeUnit.SECONDS) || !process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " did not start: " + tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String tail() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }

    /** SIGKILL, then waits for the exit: everything in memory is lost. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        assertThat(process.isAlive()).isFalse();
    }

    /** A new redis-server on the same port (a new run_id): empty, or with what its AOF kept. */
    void restart() {
        kill();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        ProcessHandle h = process.toHandle();
        kill();
        assertThat(h.isAlive()).as("redis-server pid %d is gone", h.pid()).isFalse();
        assertThat(ProcessHandle.current().children().filter(c -> c.pid() == h.pid()).count()).isZero();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
