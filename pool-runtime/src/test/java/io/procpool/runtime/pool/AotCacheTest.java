package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.procpool.Task;
import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers on a JDK 25+ java record and map Project Leyden's AOT cache instead of a dynamic CDS archive: the first
 * worker records it when it exits, the next ones map it (seen in their {@code /proc/self/maps}). Needs a JDK 25 or
 * later under /usr/lib/jvm (see {@link #java25()}).
 */
@ExtendWith(NoChildLeft.class)
class AotCacheTest {

    /** The worker's feature version and the class-data archives it has mapped, one path per line. */
    record Mapped() implements Task<String> {
        @Override
        public String call() throws IOException {
            StringBuilder out = new StringBuilder(Integer.toString(Runtime.version().feature()));
            try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
                lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                        .filter(p -> p.endsWith(".aot") || p.endsWith(".jsa")).distinct()
                        .forEach(p -> out.append('\n').append(p));
            }
            return out.toString();
        }
    }

    /**
     * The java of a JDK 25 or later installed under /usr/lib/jvm (its {@code release} file says which), the newest
     * first. This project builds on JDK 17; a second, newer JDK is on this workplace's machines (Temurin 25 at
     * /usr/lib/jvm/temurin-25-jdk-amd64) but is not a package .ci/run can install, so on a machine without one these
     * tests are reported as skipped with that reason (.ci/run prints the JDKs it finds).
     */
    static String java25() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        String found = null;
        int newest = 0;
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> homes = Files.list(jvms)) {
                for (Path home : homes.sorted().toList()) {
                    int feature = feature(home);
                    if (feature >= 25 && feature > newest && Files.isExecutable(home.resolve("bin/java"))) {
                        newest = feature;
                        found = home.resolve("bin/java").toString();
                    }
                }
            }
        }
        assumeTrue(found != null, "no JDK 25 or later under /usr/lib/jvm: the workers' AOT cache needs one");
        version = newest;
        return found;
    }

    private static int version;

    private static int feature(Path home) throws IOException {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return 0;
        }
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newBufferedReader(release)) {
            p.load(in);
        }
        String v = p.getProperty("JAVA_VERSION", "\"0\"").replace("\"", "");
        try {
            return Integer.parseInt(v.split("[.+-]")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static TaskPool pool(String classpath, Path cds) throws IOException {
        return TaskPool.builder().name("aot").workers(1).javaCommand(java25()).classpath(classpath)
                .classDataSharingDirectory(cds).build();
    }

    private static List<Path> files(Path cds) throws IOException {
        try (Stream<Path> s = Files.list(cds)) {
            return s.sorted().toList();
        }
    }

    @Test
    void theFirstWorkerRecordsAnAotCacheAndLaterWorkersMapIt(@TempDir Path dir) throws Exception {
        String classpath = ClassDataSharingTest.jarsOnlyClasspath(dir);
        Path cds = dir.resolve("cds");
        try (TaskPool pool = pool(classpath, cds)) {
            assertThat(pool.submit(new Mapped()).get(60, TimeUnit.SECONDS)).as("a recording worker maps no archive")
                    .isEqualTo(Integer.toString(version));
            assertThat(ClassDataSharingTest.cmdlineOfWorkers()).singleElement().asString()
                    .contains("-XX:AOTCacheOutput=" + cds).doesNotContain("-Xshare").doesNotContain("Archive");
        }
        List<Path> cache = files(cds);
        assertThat(cache).singleElement().satisfies(p -> assertThat(p.toString()).endsWith(".aot"));
        try (TaskPool pool = pool(classpath, cds)) {
            assertThat(pool.submit(new Mapped()).get(60, TimeUnit.SECONDS)).isEqualTo(version + "\n" + cache.get(0));
        }
        assertThat(files(cds)).as("mapped, not recorded again").isEqualTo(cache);
    }

    @Test
    void twoPoolsRecordingAtOnceLeaveWholeCachesAndNoTemporaryFile(@TempDir Path dir) throws Exception {
        String classpath = ClassDataSharingTest.jarsOnlyClasspath(dir);
        Path cds = dir.resolve("cds");
        CompletableFuture<TaskPool> other = CompletableFuture.supplyAsync(() -> {
            try {
                return pool(classpath, cds);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try (TaskPool a = pool(classpath, cds); TaskPool b = other.get(120, TimeUnit.SECONDS)) {
            assertThat(a.submit(new Mapped()).get(60, TimeUnit.SECONDS)).isEqualTo(Integer.toString(version));
            assertThat(b.submit(new Mapped()).get(60, TimeUnit.SECONDS)).isEqualTo(Integer.toString(version));
            assertThat(ClassDataSharingTest.cmdlineOfWorkers()).hasSize(2)
                    .allSatisfy(c -> assertThat(c).contains("-XX:AOTCacheOutput="));
        }
        List<Path> caches = files(cds);
        assertThat(caches).as("each recording moved into place whole, nothing else left").isNotEmpty()
                .allSatisfy(p -> assertThat(p.getFileName().toString()).matches("[0-9a-f]{32}-[0-9a-f]{32}\\.aot"));
        try (TaskPool pool = pool(classpath, cds)) {
            String mapped = pool.submit(new Mapped()).get(60, TimeUnit.SECONDS);
            assertThat(caches.stream().map(p -> version + "\n" + p)).contains(mapped);
        }
    }
}
