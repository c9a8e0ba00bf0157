package io.procpool.runtime.wire;

import java.nio.ByteBuffer;

/** How a worker's bytes appear in messages and logs: bounded, and never able to forge a log line. */
public final class Quoting {

    private Quoting() {
    }

    /** A line a worker wrote, quoted: at most 200 characters, newlines escaped. */
    public static String quote(String text) {
        String t = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return "'" + t.replace("\n", "\\n") + "'";
    }

    /** The first 32 bytes of a frame (from its position), in hex: what a worker sent that made no sense. */
    public static String hex(ByteBuffer m) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(m.remaining(), 32);
        for (int i = 0; i < n; i++) {
            sb.append(String.format("%02x ", m.get(m.position() + i) & 0xff));
        }
        return sb.append(m.remaining() > n ? "..." : "").toString().trim();
    }
}
