package io.procpool.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import io.procpool.runtime.TaskPool;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The workers' AppCDS archive: recorded by the first worker when it exits, mapped by the next ones. */
@ExtendWith(NoChildLeft.class)
class ClassDataSharingTest {

    @Test
    void theFirstWorkerRecordsTheArchiveAndLaterOnesMapIt(@TempDir Path dir) throws Exception {
        String classpath = jarsOnlyClasspath(dir);
        Path cds = dir.resolve("cds");
        try (TaskPool pool = TaskPool.builder().name("cds").workers(1).classpath(classpath)
                .classDataSharingDirectory(cds).build()) {
            assertThat(pool.submit(new TaskPoolTest.Add(1, 2)).get(60, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(cmdlineOfWorkers()).anyMatch(c -> c.contains("-XX:ArchiveClassesAtExit=" + cds));
        }
        List<Path> archives;
        try (Stream<Path> s = Files.list(cds)) {
            archives = s.toList();
        }
        assertThat(archives).singleElement().satisfies(p -> assertThat(p.toString()).endsWith(".jsa"));
        try (TaskPool pool = TaskPool.builder().name("cds").workers(1).classpath(classpath)
                .classDataSharingDirectory(cds).build()) {
            assertThat(pool.submit(new TaskPoolTest.Add(2, 2)).get(60, TimeUnit.SECONDS)).isEqualTo(4);
            long worker = ProcessHandle.current().children().findFirst().orElseThrow().pid();
            assertThat(Files.readString(Path.of("/proc/" + worker + "/maps"))).contains(archives.get(0).toString());
        }
    }

    @Test
    void corruptArchivesNeverCrashAWorkerAndAreRecordedAnew(@TempDir Path dir) throws Exception {
        String classpath = jarsOnlyClasspath(dir);
        Path cds = dir.resolve("cds");
        Path work = Files.createDirectories(dir.resolve("work"));
        runOnce(classpath, cds, work);
        for (String damage : List.of("truncated", "overwritten in the middle")) {
            Path archive = single(cds);
            if (damage.equals("truncated")) {
                try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(archive.toFile(), "rw")) {
                    f.setLength(f.length() / 3);
                }
            } else {
                io.procpool.runtime.supervise.ClassDataSharingFilesTestAccess.overwriteMiddle(archive);
            }
            List<String> cmdlines = runOnce(classpath, cds, work);
            assertThat(cmdlines).as(damage).anyMatch(c -> c.contains("-XX:ArchiveClassesAtExit="))
                    .noneMatch(c -> c.contains("-XX:SharedArchiveFile="));
            assertThat(archive).as(damage).doesNotExist();
            assertThat(single(cds)).as("recorded anew after the %s archive", damage).isNotEqualTo(archive);
        }
        try (Stream<Path> s = Files.list(work)) {
            assertThat(s.map(Path::toString).toList()).as("JVM crash reports").noneMatch(f -> f.contains("hs_err"));
        }
    }

    @Test
    void anArchiveTheJvmRejectsIsNeverAWorkersLastOutput(@TempDir Path dir) throws Exception {
        String classpath = jarsOnlyClasspath(dir);
        Path cds = dir.resolve("cds");
        runOnce(classpath, cds, dir);
        try (TaskPool pool = TaskPool.builder().name("stale").workers(1).maxAttempts(1).classpath(classpath)
                .classDataSharingDirectory(cds).build()) {
            // the jar is rebuilt while the pool runs: the next worker's JVM rejects the archive (and would say so)
            Path jar = Path.of(classpath.split(File.pathSeparator)[0]);
            Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(
                    Files.getLastModifiedTime(jar).toMillis() + 10_000));
            for (int i = 0; i < 2; i++) {
                var crash = pool.submit(() -> {
                    Runtime.getRuntime().halt(3);
                    return 0;
                });
                assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> crash.get(60, TimeUnit.SECONDS)))
                        .hasCauseInstanceOf(io.procpool.WorkerCrashedException.class)
                        .satisfies(e -> assertThat(e.getCause().getMessage()).doesNotContainIgnoringCase("cds")
                                .doesNotContainIgnoringCase("shared archive").doesNotContain("[warning]"));
            }
            assertThat(pool.submit(new TaskPoolTest.Add(1, 1)).get(60, TimeUnit.SECONDS)).isEqualTo(2);
        }
    }

    /** One pool of one worker runs one task and closes; the command lines its workers had. */
    private static List<String> runOnce(String classpath, Path cds, Path work) throws Exception {
        try (TaskPool pool = TaskPool.builder().name("cds").workers(1).classpath(classpath).directory(work)
                .classDataSharingDirectory(cds).build()) {
            assertThat(pool.submit(new TaskPoolTest.Add(1, 2)).get(60, TimeUnit.SECONDS)).isEqualTo(3);
            return cmdlineOfWorkers();
        }
    }

    private static Path single(Path cds) throws IOException {
        try (Stream<Path> s = Files.list(cds)) {
            return s.filter(p -> p.toString().endsWith(".jsa")).reduce((a, b) -> {
                throw new AssertionError("more than one archive: " + a + ", " + b);
            }).orElseThrow(() -> new AssertionError("no archive in " + cds));
        }
    }

    @Test
    void aClassPathWithDirectoriesGetsNoArchive(@TempDir Path dir) throws Exception {
        Path cds = dir.resolve("cds");
        try (TaskPool pool = TaskPool.builder().name("nocds").workers(1).classDataSharingDirectory(cds).build()) {
            assertThat(pool.submit(new TaskPoolTest.Add(1, 1)).get(60, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(cmdlineOfWorkers()).noneMatch(c -> c.contains("Archive"));
        }
        assertThat(cds).doesNotExist();
    }

    static List<String> cmdlineOfWorkers() {
        return ProcessHandle.current().children().map(p -> {
            try {
                return Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).replace('\0', ' ');
            } catch (IOException e) {
                return "";
            }
        }).toList();
    }

    /** This module's classes and test classes in one jar, then the dependency jars: CDS takes jars only. */
    static String jarsOnlyClasspath(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        Path jar = dir.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String root : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path r = Path.of(root);
                if (Files.isDirectory(r)) {
                    addTree(out, r);
                } else if (root.endsWith(".jar")) {
                    entries.add(root);
                }
            }
        }
        entries.add(0, jar.toString());
        return String.join(File.pathSeparator, entries);
    }

    private static void addTree(JarOutputStream out, Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = root.relativize(f).toString().replace(File.separatorChar, '/');
                try {
                    out.putNextEntry(new JarEntry(name));
                } catch (java.util.zip.ZipException duplicate) {
                    continue;
                }
                try (var in = Files.newInputStream(f)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }

}
