package io.procpool.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.procpool.Codec;
import io.procpool.ExitReason;
import io.procpool.PoolListener;
import io.procpool.WorkerInfo;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.codec.JsonCodec;

/**
 * The README's second quick start, compiled: pools of non-JVM workers (a Python script in protocol mode, a shell
 * loop in line mode), a JSON codec, a listener and metrics. Run from the repository root.
 */
public final class ExecQuickStart {

    private ExecQuickStart() {
    }

    public static void main(String[] args) throws Exception {
        Path workers = Path.of(args.length > 0 ? args[0] : "pool-examples/src/main/workers");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PoolListener restarts = new PoolListener() {
            @Override
            public void workerRestarted(WorkerInfo worker, ExitReason reason) {
                System.out.println("restarted " + worker + ": " + reason);
            }
        };

        // a Python worker speaking the protocol on fd 3; text in, JSON out
        try (ExecPool<String, Map<String, Object>> py = ExecPool.builder(Codec.utf8(),
                        JsonCodec.of(new TypeReference<Map<String, Object>>() { }))
                .name("py").workers(2).command("python3", workers.resolve("python/procpool_worker.py").toString())
                .taskTimeout(Duration.ofSeconds(30)).listener(restarts).meterRegistry(registry).build()) {
            System.out.println("json: " + py.submit("echo {\"answer\": 42}").get());
            System.out.println("crash: " + py.submit("exit 3").handle((v, e) -> e.getClass().getSimpleName()).get());
            System.out.println("after the crash: " + py.submit("echo {\"still\": \"serving\"}").get());
            // the meters live as long as the pool: read them (or let Prometheus scrape them) before close
            System.out.println("restarts counted: " + registry.find("procpool.workers.restarts")
                    .tag("reason", "crash").counter().count());
        }

        // any filter that answers one line per line is a pooled worker in line mode
        try (ExecPool<String, String> sh = ExecPool.builder(Codec.utf8(), Codec.utf8())
                .name("sh").workers(2).lineMode()
                .command("sh", workers.resolve("shell/line_worker.sh").toString()).build()) {
            System.out.println("line mode: " + sh.submit("upper hello").get());
        }
    }
}
