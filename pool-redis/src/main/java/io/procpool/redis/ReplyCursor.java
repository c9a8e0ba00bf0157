package io.procpool.redis;

/**
 * The highest reply-stream id a submitter has delivered, to tell a reply it reads again from one it has not seen.
 * After a Redis restart the submitter reads its reply stream from the start; with an AOF, the stream still holds the
 * replies it delivered whose {@code XDEL} had not reached the server (the delete is sent without waiting, and may be
 * lost with the connection). Such a reply is a re-read, not a second answer: it is deleted again, never counted as a
 * stray. A reply with a higher id, for a task not outstanding, is a real stray. Stream ids grow with the server's
 * clock, so a reply written after a restart that lost the stream still has a higher id. Reader thread only.
 */
final class ReplyCursor {

    /** Whether any reply was delivered yet: every pair of longs is a valid id, so none can mark "none". */
    private boolean any;
    private long ms;
    private long seq;

    /** Whether the reply with this id was delivered before (at or below the highest delivered); else records it. */
    boolean seen(String id) {
        int dash = id.indexOf('-');
        // unsigned: a stream id is two unsigned 64-bit numbers, and any client may XADD one past 2^63 explicitly
        long m = Long.parseUnsignedLong(dash < 0 ? id : id.substring(0, dash));
        long s = dash < 0 ? 0 : Long.parseUnsignedLong(id.substring(dash + 1));
        if (any) {
            int c = Long.compareUnsigned(m, ms);
            if (c < 0 || c == 0 && Long.compareUnsigned(s, seq) <= 0) {
                return true;
            }
        }
        any = true;
        ms = m;
        seq = s;
        return false;
    }
}
