package io.procpool.examples.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.lettuce.core.RedisClient;
import io.procpool.redis.DeadLetters;
import io.procpool.redis.RedisClients;
import io.procpool.redis.StreamLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code procpool dlq list|requeue|purge}: a pool's dead-letter stream on Redis. */
@Command(name = "dlq", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {
            "Lists, requeues or purges the dead-lettered tasks of a pool on Redis (docs/scale-out.md).",
            "",
            "list: one line per task, ENTRY<TAB>TASK<TAB>DELIVERIES<TAB>NODE<TAB>ERROR. requeue: puts them back on"
                    + " the task stream as new tasks (their attempts start again; their original futures have already"
                    + " failed). purge: deletes them. requeue and purge take entry ids, or --all."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:Redis failed", "2:bad usage"})
final class DlqCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACTION", description = "list, requeue or purge")
    private String action;

    @Parameters(index = "1..*", paramLabel = "ENTRY", description = "dead-letter entry ids (requeue, purge)")
    private List<String> entries = new ArrayList<>();

    @Option(names = "--redis", required = true, paramLabel = "URL",
            description = "redis://[user:password@]host:port[/db], or rediss:// for TLS")
    private String redis;

    @Option(names = "--pool", required = true, paramLabel = "NAME", description = "the pool")
    private String pool;

    @Option(names = "--all", description = "requeue or purge every dead letter")
    private boolean all;

    @Option(names = "--limit", paramLabel = "N", description = "list at most N (1..1000000)")
    private int limit = 100;

    @Override
    public Integer call() {
        String a = action.toLowerCase(Locale.ROOT);
        if (!List.of("list", "requeue", "purge").contains(a)) {
            throw new ParameterException(spec.commandLine(), "ACTION must be list, requeue or purge, was " + action);
        }
        if (!a.equals("list") && entries.isEmpty() != all) {
            throw new ParameterException(spec.commandLine(), a + " needs entry ids or --all (not both)");
        }
        if (limit < 1 || limit > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1..1000000, was " + limit);
        }
        StreamLayout layout;
        try {
            layout = new StreamLayout(pool);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--pool: " + e.getMessage());
        }
        String badUrl = RedisUrl.problem(redis);
        if (badUrl != null) {
            throw new ParameterException(spec.commandLine(), badUrl);
        }
        PrintWriter out = spec.commandLine().getOut();
        RedisClient client = RedisClients.create(redis, Duration.ofSeconds(5));
        try (DeadLetters dlq = new DeadLetters(client, layout)) {
            switch (a) {
                case "list" -> {
                    for (DeadLetters.Dead d : dlq.list(limit)) {
                        out.println(d.entryId() + "\t" + text(d.taskId()) + "\t" + d.deliveries() + "\t"
                                + text(d.consumer()) + "\t" + text(d.error()));
                    }
                }
                case "requeue" -> out.println("requeued " + dlq.requeue(all ? List.of() : entries));
                default -> out.println("purged " + dlq.purge(all ? List.of() : entries));
            }
            out.flush();
        } finally {
            client.shutdown();
        }
        return 0;
    }

    /**
     * A field of a dead letter as one line of text: any client of the stream may have written it, so its tab and
     * newline become a space and other control characters (C0, DEL, C1, bidirectional overrides) {@code \xNN} or
     * {@code \\uNNNN}, as the workers' output in the log: it must not drive the terminal or forge lines.
     */
    static String text(String field) {
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\t' || c == '\n') {
                sb.append(' ');
            } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                sb.append(String.format("\\x%02x", (int) c));
            } else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A duration: ISO-8601 ({@code PT30S}) or a number with ms, s, m or h. */
    static Duration duration(CommandSpec spec, String option, String text) {
        try {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (t.startsWith("pt")) {
                return Duration.parse(t);
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException(text);
            };
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new ParameterException(spec.commandLine(), option + " must be a duration such as 30s, 500ms or"
                    + " PT1M, was " + text);
        }
    }
}
