package io.procpool.redis;

import java.io.IOException;
import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.procpool.runtime.TaskPool;

/**
 * A node in a JVM of its own, for the tests that kill one: args redis-uri, pool, workers, lease-millis. Prints
 * {@code READY <pid>} once its workers are up; closes when its stdin ends.
 */
public final class NodeMain {

    public static void main(String[] args) throws IOException {
        RedisClient client = RedisClients.create(args[0], Duration.ofSeconds(2));
        RedisNode node = RedisNode.start(client, args[1], Duration.ofMillis(Long.parseLong(args[3])),
                TaskPool.builder().name("node-main").workers(Integer.parseInt(args[2])));
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        while (System.in.read() >= 0) {
            // until the test closes our stdin
        }
        node.close();
        client.shutdown();
    }
}
