package io.procpool.examples.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GNU parallel's {@code --halt}: stop the run when so many items failed ({@code fail=N} or {@code fail=N%}) or
 * succeeded ({@code success=...}); {@code now} kills what runs, {@code soon} lets it finish and starts nothing more.
 * {@code never} (the default) runs everything; parallel's {@code 1} is {@code soon,fail=1}, {@code 2} is
 * {@code now,fail=1}.
 *
 * @param now     kill what runs (else let it finish)
 * @param success count successes (else failures)
 * @param count   how many, or (percent) the share of the items ended so far, 1..100
 * @param percent whether {@code count} is a percentage
 */
record Halt(boolean now, boolean success, int count, boolean percent) {

    static final Halt NEVER = new Halt(false, false, 0, false);
    private static final Pattern SPEC = Pattern.compile("(now|soon),(fail|success)=(\\d+)(%?)");

    /** Parses a --halt value; null when it is not one. */
    static Halt parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "never", "0":
                return NEVER;
            case "1":
                return new Halt(false, false, 1, false);
            case "2":
                return new Halt(true, false, 1, false);
            default:
                break;
        }
        Matcher m = SPEC.matcher(t);
        if (!m.matches()) {
            return null;
        }
        int n;
        try {
            n = Integer.parseInt(m.group(3));
        } catch (NumberFormatException e) {
            return null;
        }
        boolean pct = !m.group(4).isEmpty();
        if (n < 1 || pct && n > 100) {
            return null;
        }
        return new Halt(m.group(1).equals("now"), m.group(2).equals("success"), n, pct);
    }

    boolean never() {
        return count == 0;
    }

    /** Whether the run halts, with this many items ok and failed so far. */
    boolean reached(long ok, long failed) {
        if (never()) {
            return false;
        }
        long counted = success ? ok : failed;
        return percent ? counted > 0 && counted * 100 >= (long) count * (ok + failed) : counted >= count;
    }

    @Override
    public String toString() {
        return never() ? "never" : (now ? "now" : "soon") + "," + (success ? "success" : "fail") + "=" + count
                + (percent ? "%" : "");
    }
}
