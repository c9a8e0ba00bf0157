package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

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
 * worker records it when it exits, the next ones map it (seen in their {@code /proc/self/maps}). Needs a JDK 25 at
 * /usr/lib/jvm/temurin-25* (CI installs it; see docs/startup-benchmarks.md): without one these tests fail, they
 * never skip.
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

    /** The java of a JDK 25 or later installed under /usr/lib/jvm as Temurin's; the test fails without one. */
    static String java25() throws IOException {
        try (Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm"))) {
            return homes.filter(h -> h.getFileName().toString().matches("temurin-(2[5-9]|[3-9][0-9])(-.*)?"))
                    .map(h -> h.resolve("bin/java")).filter(Files::isExecutable).sorted().findFirst()
                    .map(Path::toString).orElseGet(() -> fail("no JDK 25+ java at /usr/lib/jvm/temurin-25*/bin/java:"
                            + " install Temurin 25 (apt package temurin-25-jdk from the Adoptium repository), as CI"
                            + " does; these tests check the workers' AOT cache and must not skip"));
        } catch (java.nio.file.NoSuchFileException e) {
            return fail("no /usr/lib/jvm, so no JDK 25 at /usr/lib/jvm/temurin-25*: install Temurin 25, as CI does");
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
                    .isEqualTo("25");
            assertThat(ClassDataSharingTest.cmdlineOfWorkers()).singleElement().asString()
                    .contains("-XX:AOTCacheOutput=" + cds).doesNotContain("-Xshare").doesNotContain("Archive");
        }
        List<Path> cache = files(cds);
        assertThat(cache).singleElement().satisfies(p -> assertThat(p.toString()).endsWith(".aot"));
        try (TaskPool pool = pool(classpath, cds)) {
            assertThat(pool.submit(new Mapped()).get(60, TimeUnit.SECONDS)).isEqualTo("25\n" + cache.get(0));
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
            assertThat(a.submit(new Mapped()).get(60, TimeUnit.SECONDS)).isEqualTo("25");
            assertThat(b.submit(new Mapped()).get(60, TimeUnit.SECONDS)).isEqualTo("25");
            assertThat(ClassDataSharingTest.cmdlineOfWorkers()).hasSize(2)
                    .allSatisfy(c -> assertThat(c).contains("-XX:AOTCacheOutput="));
        }
        List<Path> caches = files(cds);
        assertThat(caches).as("each recording moved into place whole, nothing else left").isNotEmpty()
                .allSatisfy(p -> assertThat(p.getFileName().toString()).matches("[0-9a-f]{32}-[0-9a-f]{32}\\.aot"));
        try (TaskPool pool = pool(classpath, cds)) {
            String mapped = pool.submit(new Mapped()).get(60, TimeUnit.SECONDS);
            assertThat(caches.stream().map(p -> "25\n" + p)).contains(mapped);
        }
    }
}
