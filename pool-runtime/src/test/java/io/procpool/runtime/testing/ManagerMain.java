package io.procpool.runtime.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.procpool.Task;
import io.procpool.runtime.TaskPool;

/**
 * A manager JVM for the manager-death test: starts a pool of 2 workers, gives one a task that runs until the file
 * {@code args[0]} exists, prints "ready" and the workers' pids, then waits to be killed (or, with a second
 * argument {@code exit}, calls System.exit at once; with {@code grace}, its pool's shutdownTimeout is 2 s).
 */
public final class ManagerMain {

    /** Runs until the file exists, then leaves a mark beside it. */
    record UntilFile(String path) implements Task<String> {
        @Override
        public String call() throws Exception {
            Files.writeString(Path.of(path + ".started"), "");
            while (!Files.exists(Path.of(path))) {
                Thread.onSpinWait();
                Thread.yield();
            }
            Files.writeString(Path.of(path + ".finished"), "");
            return "done";
        }
    }

    public static void main(String[] args) throws Exception {
        TaskPool.Builder builder = TaskPool.builder().name("orphans").workers(2);
        if (args.length > 1 && args[1].equals("grace")) {
            builder.shutdownTimeout(Duration.ofSeconds(2));  // the workers' grace once their channel ends
        }
        TaskPool pool = builder.build();
        pool.submit(new UntilFile(args[0]));
        while (!Files.exists(Path.of(args[0] + ".started"))) {
            Thread.onSpinWait();
            Thread.yield();
        }
        StringBuilder line = new StringBuilder("ready");
        ProcessHandle.current().children().forEach(p -> line.append(' ').append(p.pid()));
        System.out.println(line);
        System.out.flush();
        if (args.length > 1 && args[1].equals("exit")) {
            System.exit(0);  // a normal exit with a task still running: the shutdown hook stops the workers
        }
        Thread.currentThread().join();  // until SIGKILL
    }
}
