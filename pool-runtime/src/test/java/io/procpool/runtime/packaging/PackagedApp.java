package io.procpool.runtime.packaging;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.procpool.PoolListener;
import io.procpool.Task;
import io.procpool.WorkerInfo;
import io.procpool.runtime.TaskPool;

/**
 * The application the packaging tests ship in each form (class directories, a shaded jar, a class-loader launcher,
 * Spring Boot jars): it runs a lambda and a record task on one worker and prints what came back.
 * Arguments: the pool name, then optionally the workers' directory; {@code -Dapp.java} sets the workers' java,
 * {@code -Dapp.crash=true} adds a task that kills its worker,
 * {@code -Dapp.nocds=true} turns class-data sharing off.
 */
public final class PackagedApp {

    /** A record task. */
    public record Square(int n) implements Task<Integer> {
        @Override
        public Integer call() {
            return n * n;
        }
    }

    private PackagedApp() {
    }

    public static void main(String[] args) throws Exception {
        TaskPool.Builder builder = TaskPool.builder().name(args[0]).workers(1)
                .listener(new PoolListener() {
                    @Override
                    public void workerReady(WorkerInfo worker, Duration startup) {
                        System.out.println("STARTUP " + startup.toMillis());
                    }
                });
        builder.classDataSharing(!Boolean.getBoolean("app.nocds"));
        String workerJava = System.getProperty("app.java");
        if (workerJava != null) {
            builder.javaCommand(workerJava);
        }
        if (args.length > 1) {
            builder.directory(Path.of(args[1]));
        }
        try (TaskPool pool = builder.build()) {
            String greeting = "lambda";
            Task<String> lambda = () -> greeting + " from pid " + ProcessHandle.current().pid();
            System.out.println("LAMBDA " + pool.submit(lambda).get(60, TimeUnit.SECONDS));
            System.out.println("RECORD " + pool.submit(new Square(12)).get(60, TimeUnit.SECONDS));
            System.out.println("CWD " + pool.submit(() -> System.getProperty("user.dir")).get(60, TimeUnit.SECONDS));
            System.out.println("CDS " + pool.submit(() -> java.nio.file.Files.readString(Path.of("/proc/self/maps"))
                    .contains("/procpool/cds/")).get(60, TimeUnit.SECONDS));
            // the worker's shared ring (its fd, else "null": the socket), and an answer four times its size
            System.out.println("RING " + pool.submit(() -> System.getenv("PROCPOOL_RING_FD")).get(60, TimeUnit.SECONDS)
                    + " " + pool.submit(() -> new byte[1 << 20]).get(60, TimeUnit.SECONDS).length);
            if (Boolean.getBoolean("app.crash")) {
                try {
                    pool.submit(() -> {
                        Runtime.getRuntime().halt(3);
                        return 0;
                    }, io.procpool.TaskOptions.DEFAULTS.withMaxAttempts(1)).get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException expected) {
                    System.out.println("CRASHED " + expected.getCause().getClass().getSimpleName());
                }
            }
            System.out.println("WORKER " + pool.submit(() -> {
                System.out.println("printed by the task");
                return ProcessHandle.current().pid();
            }).get(60, TimeUnit.SECONDS));
        }
        System.out.println("CLOSED");
    }
}
