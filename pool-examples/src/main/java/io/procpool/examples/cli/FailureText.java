package io.procpool.examples.cli;

import java.util.List;

import io.procpool.TaskFailedException;

/** A failure as the run shows it: one line, no tab, naming items by their input line rather than task ids. */
final class FailureText {

    private FailureText() {
    }

    /**
     * One line, no tab, for a failure: the worker's own error when it sent one, else what the pool says happened
     * without its {@code "run - "} and with "the item" for its task id; of a message that ends with the worker's
     * last output (a crash), the first line and the last of that output, where a traceback says what went wrong.
     */
    static String describe(Throwable t) {
        String s;
        if (t instanceof TaskFailedException f && f.remoteClass() != null) {
            s = f.remoteMessage() == null ? f.remoteClass() : f.remoteClass() + ": " + f.remoteMessage();
        } else {
            s = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        }
        List<String> lines = s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String line = lines.isEmpty() ? "" : lines.get(0);
        if (line.endsWith(":") && lines.size() > 1) {
            line += " " + lines.get(lines.size() - 1);
        }
        if (line.startsWith(RunJob.POOL_NAME + " - ")) {
            line = line.substring(RunJob.POOL_NAME.length() + 3);
        }
        return line.replaceAll("\\btask \\d+\\b", "the item").replace('\t', ' ');
    }

    /** What a pool failure says about the command: the last worker's exit and output, without the breaker's words. */
    static String cannotWork(Throwable t) {
        String d = describe(t);
        int last = d.indexOf("the last: ");
        return last < 0 ? d : "its workers exit before answering anything; the last: "
                + d.substring(last + "the last: ".length());
    }
}
