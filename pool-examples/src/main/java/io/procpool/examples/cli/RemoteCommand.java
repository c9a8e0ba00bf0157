package io.procpool.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.procpool.Task;

/**
 * One item of {@code procpool run --redis}, run by a node's worker JVM: {@code argv} runs there, with {@code stdin}
 * (the item, as a line) on its standard input when not null; its stdout is the result, a non-zero exit fails the item
 * with its stderr. An interrupt (the submitter cancelled the item, or its timeout passed) kills the process.
 *
 * @param argv  the command to run (the template already expanded with the item, or the command as given)
 * @param stdin the item as a line for the command's stdin, or null (the item is in {@code argv})
 */
public record RemoteCommand(List<String> argv, String stdin) implements Task<String> {

    @Override
    public String call() throws Exception {
        Process p = new ProcessBuilder(argv).start();
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write((stdin + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException closedEarly) {
            // the command did not read its input: its exit status and output say what it did
        }
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw e;
        }
        String result = new String(out.join(), StandardCharsets.UTF_8);
        if (code != 0) {
            String tail = new String(err.join(), StandardCharsets.UTF_8).strip();
            throw new IllegalStateException("exit " + code + (tail.isEmpty() ? "" : ": "
                    + tail.substring(Math.max(0, tail.length() - 500))));
        }
        // a line-mode item's reply is one line: its newline goes, as a pool worker's would
        return stdin != null && result.endsWith("\n") ? result.substring(0, result.length() - 1) : result;
    }

    private static CompletableFuture<byte[]> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                return s.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, r -> {
            Thread t = new Thread(r, "remote-command-pipe");
            t.setDaemon(true);
            t.start();
        });
    }
}
