package io.procpool.redis;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;

/** What a submitter asks Redis to tell whether it lost entries: the server's identity, which entries are gone. */
final class Probes {

    private Probes() {
    }

    /** The server's run_id (INFO server): a new one means a new server, whatever it kept. */
    static String runId(RedisCommands<String, byte[]> redis) {
        String info = redis.info("server");
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                return line.substring("run_id:".length()).trim();
            }
        }
        throw new IllegalStateException("INFO server has no run_id");
    }

    /** The entry ids no longer in the task stream, in one script call per {@code chunk} ids (missing.lua). */
    static List<String> missing(RedisCommands<String, byte[]> redis, String tasks, Collection<String> entryIds,
                                int chunk) {
        List<String> gone = new ArrayList<>();
        List<byte[]> args = new ArrayList<>();
        for (Iterator<String> it = entryIds.iterator(); it.hasNext(); ) {
            args.add(TaskEntry.utf8(it.next()));
            if (args.size() == chunk || !it.hasNext()) {
                List<Object> r = Scripts.MISSING.run(redis, ScriptOutputType.MULTI, new String[] {tasks}, args);
                for (Object o : r) {
                    gone.add(o instanceof byte[] b ? TaskEntry.str(b) : String.valueOf(o));
                }
                args.clear();
            }
        }
        return gone;
    }
}
