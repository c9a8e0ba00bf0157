package io.procpool.examples.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command with GNU parallel's replacement strings: {@code {}} the input, {@code {.}} without its extension,
 * {@code {/}} its basename, {@code {//}} its directory, {@code {/.}} its basename without extension, {@code {#}} its
 * line number. A command holding one of them runs once per item. Given as several words, each word is one argument
 * (no shell, nothing to quote); given as one word with spaces or shell syntax ({@code 'gzip -9 {} && echo {}'}), it is
 * run by {@code sh -c} with each value quoted for the shell, as parallel does.
 */
final class CommandTemplate {

    private static final Pattern FIELD = Pattern.compile("\\{(?:|\\.|/|//|/\\.|#)\\}");
    private static final Pattern SHELL_SYNTAX = Pattern.compile("[\\s|&;<>()$`\\\\\"'*?\\[\\]#~=%]");

    private final List<String> words;
    private final boolean shell;

    private CommandTemplate(List<String> words, boolean shell) {
        this.words = words;
        this.shell = shell;
    }

    /** The template of {@code command}, or null when it holds no replacement string. */
    static CommandTemplate of(List<String> command) {
        boolean any = command.stream().anyMatch(w -> FIELD.matcher(w).find());
        if (!any) {
            return null;
        }
        boolean shell = command.size() == 1 && SHELL_SYNTAX.matcher(FIELD.matcher(command.get(0)).replaceAll(""))
                .find();
        return new CommandTemplate(List.copyOf(command), shell);
    }

    /** The argv for item {@code number} whose input is {@code input}. */
    List<String> expand(String input, long number) {
        if (shell) {
            return List.of("sh", "-c", replace(words.get(0), input, number, true));
        }
        List<String> argv = new ArrayList<>(words.size());
        for (String w : words) {
            argv.add(replace(w, input, number, false));
        }
        return argv;
    }

    /** The command as text, for the joblog: the argv joined by spaces (or the shell line). */
    static String display(List<String> argv) {
        return argv.size() == 3 && argv.get(0).equals("sh") && argv.get(1).equals("-c") ? argv.get(2)
                : String.join(" ", argv);
    }

    private static String replace(String word, String input, long number, boolean quote) {
        Matcher m = FIELD.matcher(word);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = value(m.group(), input, number);
            m.appendReplacement(sb, Matcher.quoteReplacement(quote ? shellQuote(value) : value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    static String value(String field, String input, long number) {
        return switch (field) {
            case "{}" -> input;
            case "{.}" -> withoutExtension(input);
            case "{/}" -> basename(input);
            case "{//}" -> dirname(input);
            case "{/.}" -> withoutExtension(basename(input));
            case "{#}" -> Long.toString(number);
            default -> throw new IllegalArgumentException(field);
        };
    }

    static String basename(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        int slash = p.lastIndexOf('/');
        return slash < 0 || p.equals("/") ? p : p.substring(slash + 1);
    }

    static String dirname(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return ".";
        }
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    /** Without the last {@code .ext} of the basename; a leading dot (a hidden file) is no extension. */
    static String withoutExtension(String path) {
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        return dot > slash + 1 ? path.substring(0, dot) : path;
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
