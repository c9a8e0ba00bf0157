package io.procpool.examples.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * GNU parallel's job log: a header, then one tab-separated line per finished item, {@code Seq Host Starttime
 * JobRuntime Send Receive Exitval Signal Command}. Seq is the item's input line number, Host is {@code :} (this
 * machine); Command is the command run (one process per item) or the input line (persistent workers, where the
 * input is the job). Starttime and JobRuntime count from when the run submitted the item (its wait for a free
 * worker included). Only finished items are logged, so that {@code --resume} runs what did not finish, and
 * {@code --resume-failed} also what failed.
 */
final class Joblog {

    static final String HEADER = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand";

    private final Sink sink;

    private Joblog(Sink sink) {
        this.sink = sink;
    }

    /** Opens {@code file}: appended to when resuming (the header only if it is new), else truncated. */
    static Joblog open(Path file, boolean append) throws IOException {
        boolean fresh = !append || !Files.exists(file) || Files.size(file) == 0;
        BufferedWriter w = append
                ? Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND)
                : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        Joblog log = new Joblog(Sink.file(w, file.toString()));
        if (fresh) {
            log.sink.line(HEADER);
        }
        return log;
    }

    /** One finished item. */
    void log(long seq, long startMillis, long runtimeNanos, long received, int exitval, int signal, String command)
            throws IOException {
        sink.line(String.format(Locale.ROOT, "%d\t:\t%.3f\t%10.3f\t0\t%d\t%d\t%d\t%s", seq, startMillis / 1e3,
                runtimeNanos / 1e9, received, exitval, signal, command.replace('\t', ' ').replace('\n', ' ')));
    }

    Sink sink() {
        return sink;
    }

    /**
     * The items a log says need not run again: every one it lists ({@code --resume}), or those that ended with exit
     * value 0 and no signal ({@code --resume-failed}). A missing file lists none.
     *
     * @throws IllegalArgumentException when a line is not a joblog line (the message says which)
     */
    static Set<Long> done(Path file, boolean failedToo) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Set.of();
        }
        Map<Long, Boolean> ok = new HashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            if (line.isEmpty() || line.startsWith("Seq\t")) {
                continue;
            }
            String[] f = line.split("\t", 9);
            try {
                long seq = Long.parseLong(f[0]);
                boolean success = Integer.parseInt(f[6].strip()) == 0 && Integer.parseInt(f[7].strip()) == 0;
                ok.merge(seq, success, Boolean::logicalOr);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + " line " + n + " is not a joblog line: '"
                        + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + "'");
            }
        }
        return ok.entrySet().stream().filter(e -> !failedToo || e.getValue()).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }
}
