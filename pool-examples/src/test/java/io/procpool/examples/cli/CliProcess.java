package io.procpool.examples.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.procpool.ExitStatus;
import io.procpool.Signal;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.ProcessSpec;
import io.procpool.runtime.process.Redirect;
import io.procpool.runtime.process.Spawner;

/**
 * {@code procpool} as its own JVM, the way a user runs it, started with procpool's own process layer: the child
 * gets every signal at its default, so SIGINT reaches it even when this JVM ignores it (a JVM started in the
 * background by a shell without job control ignores SIGINT, and {@code ProcessBuilder} children inherit that).
 * Its stdout is read whole, its stderr line by line (and echoed), on threads of their own so that no pipe fills up.
 * Closing kills what is left of it, with its process group, and reaps it.
 */
final class CliProcess implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    private final Spawner spawner;
    private final ChildProcess child;
    private final CompletableFuture<String> out;
    private final BlockingQueue<String> errLines = new LinkedBlockingQueue<>();
    private final StringBuilder err = new StringBuilder();

    private CliProcess(Spawner spawner, ChildProcess child) {
        this.spawner = spawner;
        this.child = child;
        InputStream stdout = child.stdout();
        out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        InputStream stderr = child.stderr();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    System.err.println("procpool: " + line);
                    synchronized (err) {
                        err.append(line).append('\n');
                    }
                    errLines.add(line);
                }
            } catch (IOException | IllegalStateException e) {
                // the process is gone
            }
        }, "cli-stderr");
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code java -cp <this class path> io.procpool.examples.cli.Main args...}. */
    static CliProcess start(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Spawner spawner = Spawner.create("cli-test");
        try {
            ChildProcess child = spawner.spawn(ProcessSpec.builder(command).noChannel()
                    .stdout(Redirect.PIPE).stderr(Redirect.PIPE).build());
            return new CliProcess(spawner, child);
        } catch (RuntimeException e) {
            spawner.close();
            throw e;
        }
    }

    long pid() {
        return child.pid();
    }

    /** Sends SIGINT, as Ctrl-C in a terminal does. */
    void interrupt() {
        if (!child.kill(Signal.SIGINT)) {
            throw new IllegalStateException("procpool (pid " + child.pid() + ") is no longer running");
        }
    }

    /** Sends SIGTERM, as {@code kill} and service managers do. */
    void terminate() {
        if (!child.kill(Signal.SIGTERM)) {
            throw new IllegalStateException("procpool (pid " + child.pid() + ") is no longer running");
        }
    }

    /** Its exit status, once it ended within {@link #WAIT}. */
    Optional<ExitStatus> waitFor() throws InterruptedException {
        return child.waitFor(WAIT);
    }

    /** All it wrote to stdout, once it closed it. */
    String out() throws Exception {
        return out.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The first stderr line from now on that starts with {@code prefix}, or null after {@link #WAIT}. */
    String awaitErrLine(String prefix) throws InterruptedException {
        return awaitErrLine(line -> line.startsWith(prefix));
    }

    /** The first stderr line from now on that {@code wanted} accepts, or null after {@link #WAIT}. */
    String awaitErrLine(java.util.function.Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            String line = errLines.poll(left, TimeUnit.NANOSECONDS);
            if (line != null && wanted.test(line)) {
                return line;
            }
        }
        return null;
    }

    String allErr() {
        synchronized (err) {
            return err.toString();
        }
    }

    /** Kills it (only left running after a failed assertion) and what it started, and reaps it. */
    @Override
    public void close() {
        spawner.close();
    }
}
