package io.procpool.runtime;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import io.procpool.Task;
import io.procpool.runtime.wire.Serialization;

/**
 * The JVM side of a worker's command line: the options every worker needs on its Java version, the default heap,
 * the user's options and the forwarded system properties; and the initializer it reads first. Pure code but for
 * reading the java executable's {@code release} file and the machine's memory.
 */
final class WorkerJvm {

    /** The smallest default heap a worker gets, whatever the share. */
    static final long MIN_DEFAULT_HEAP = 64L << 20;

    private WorkerJvm() {
    }

    /**
     * The default maximum heap of one worker: a JVM's default (a quarter of the machine's or container's memory)
     * shared by every worker the pool may run at once, at least {@link #MIN_DEFAULT_HEAP}; in MiB.
     */
    static long defaultHeapMiB(long totalMemory, int workersAtOnce) {
        long share = totalMemory / 4 / Math.max(1, workersAtOnce);
        return Math.max(MIN_DEFAULT_HEAP, share) >> 20;
    }

    /** The memory a JVM sizes its default heap from: the container's limit if any, else the machine's RAM. */
    static long totalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /** Whether {@code options} already size the heap, so that no default is added. */
    static boolean setsHeap(List<String> options) {
        for (String o : options) {
            if (o.startsWith("-Xmx") || o.startsWith("-XX:MaxHeapSize=") || o.startsWith("-XX:MaxRAMPercentage=")
                    || o.startsWith("-XX:MaxRAM=") || o.startsWith("-XX:MaxRAMFraction=")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The feature version (17, 21, 25) of {@code java}: this JVM's when it is this JVM's executable, else from the
     * {@code release} file of its home (symbolic links followed, PATH searched for a bare name); 0 when unknown.
     */
    static int featureVersion(String java) {
        Path self = Path.of(System.getProperty("java.home"), "bin", "java");
        Path exe = resolve(java);
        try {
            if (exe != null && exe.toRealPath().equals(self.toRealPath())) {
                return Runtime.version().feature();
            }
            Path release = exe == null ? null : exe.toRealPath().getParent().getParent().resolve("release");
            if (release != null && Files.isRegularFile(release)) {
                Properties p = new Properties();
                try (var in = Files.newBufferedReader(release)) {
                    p.load(in);
                }
                String v = p.getProperty("JAVA_VERSION", "").replace("\"", "");
                return Runtime.Version.parse(v).feature();
            }
        } catch (IOException | RuntimeException unknown) {
            return 0;
        }
        return 0;
    }

    /** The executable {@code java} names: itself with a slash, else the first match on PATH; null when none. */
    static Path resolve(String java) {
        if (java.contains("/")) {
            return Path.of(java).toAbsolutePath();
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, java);
                if (Files.isExecutable(p)) {
                    return p.toAbsolutePath();
                }
            }
        }
        return null;
    }

    /**
     * What every worker needs on its Java version: open java.lang.invoke for serializable lambdas, sun.nio.ch for
     * the poll(2) before a blocking read of the channel (worker.PollIn: without it reads still work); from 24 on,
     * allow Kryo's use of sun.misc.Unsafe without the JVM's warning (the workers load no native code, so they need
     * no {@code --enable-native-access}).
     */
    static List<String> required(int feature) {
        List<String> out = new ArrayList<>();
        out.add("--add-opens=java.base/java.lang.invoke=ALL-UNNAMED");
        out.add("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
        if (feature >= 24) {
            out.add("--sun-misc-unsafe-memory-access=allow");
        }
        return out;
    }

    /** {@code -Dkey=value} for each host property named in {@code keys} or starting with one of {@code prefixes}. */
    static List<String> forwarded(Properties host, List<String> keys, List<String> prefixes) {
        Map<String, String> chosen = new TreeMap<>();
        for (String k : host.stringPropertyNames()) {
            boolean wanted = keys.contains(k);
            for (String p : prefixes) {
                wanted |= k.startsWith(p);
            }
            if (wanted && !neverForwarded(k)) {
                chosen.put(k, host.getProperty(k));
            }
        }
        List<String> out = new ArrayList<>();
        chosen.forEach((k, v) -> out.add("-D" + k + "=" + v));
        return out;
    }

    /**
     * Properties a worker must have its own value of (the JVM's, the launcher's, procpool's): forwarding them would
     * break it. java.library.path, user.timezone, file.encoding and the like may be forwarded.
     */
    static boolean neverForwarded(String key) {
        for (String p : List.of("procpool.", "loader.", "java.vm.", "java.runtime.", "java.specification.",
                "java.vendor", "os.", "sun.", "jdk.module.", "jdk.internal.")) {
            if (key.startsWith(p)) {
                return true;
            }
        }
        return List.of("java.class.path", "java.home", "java.version", "java.version.date", "java.class.version",
                "user.dir", "user.name", "user.home", "file.separator", "path.separator", "line.separator")
                .contains(key);
    }

    /** The INIT frame's body: the pool's initializer serialized, or a failed {@code build()} that names it. */
    static byte[] initializerBody(String pool, Task<?> initializer, Serialization serialization, int maxMessageSize) {
        byte[] body;
        try {
            body = serialization.serialize(initializer);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(pool + " - initializer (" + initializer.getClass().getName()
                    + ") cannot be serialized: " + e.getMessage() + "; as a task, it must be serializable by Kryo", e);
        }
        if (body.length > maxMessageSize) {
            throw new IllegalArgumentException(pool + " - initializer is " + body.length + " bytes serialized,"
                    + " over maxMessageSize " + maxMessageSize);
        }
        return body;
    }
}
