package io.procpool.runtime.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class-data sharing archives that are not what they claim are never mapped: corrupt (truncated, overwritten in the
 * middle), of another class path, not the user's own; the directory is private; stale files go. Archives are
 * recorded by a real JVM running the worker command (it exits at once: no socket), as a pool's first worker does.
 */
@ExtendWith(NoChildLeft.class)
class ClassDataSharingFilesTest {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    @TempDir
    static Path jars;
    private static String jar;
    private static String otherJar;

    @TempDir
    Path dir;

    @BeforeAll
    static void jars() throws IOException {
        jar = jarOf(jars.resolve("app.jar"), Path.of("target/classes")).toString();
        otherJar = Files.copy(Path.of(jar), jars.resolve("other.jar")).toString();
    }

    static List<String> command(String classpath) {
        return List.of(JAVA, "-Xshare:auto", "-cp", classpath, "io.procpool.runtime.worker.WorkerMain");
    }

    /** What a pool does: the first worker records, then its archive is kept. */
    private static Path record(Path cds, String classpath) throws Exception {
        ClassDataSharing c = ClassDataSharing.forWorkers(cds, command(classpath), classpath);
        assertThat(c.archive()).isNull();
        List<String> options = c.optionsFor(7);
        assertThat(ClassDataSharing.records(options)).isTrue();
        List<String> run = new ArrayList<>(command(classpath));
        run.addAll(1, options);
        Process p = new ProcessBuilder(run).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        c.recorded(7, true);
        assertThat(c.archive()).isNotNull();
        return c.archive();
    }

    private static Path usable(Path cds, String classpath) {
        return ClassDataSharing.forWorkers(cds, command(classpath), classpath).archive();
    }

    @Test
    void aRecordedArchiveIsPrivateNamedByItsDigestAndMappedByTheNextPool() throws Exception {
        Path cds = dir.resolve("cds");
        Path archive = record(cds, jar);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cds))).isEqualTo("rwx------");
        assertThat(CdsFiles.intact(archive)).isTrue();
        assertThat(usable(cds, jar)).isEqualTo(archive);
        assertThat(ClassDataSharing.forWorkers(cds, command(jar), jar).optionsFor(8))
                .contains("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    @Test
    void aTruncatedArchiveIsDeletedNotMapped() throws Exception {
        Path archive = record(dir.resolve("cds"), jar);
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertThat(usable(dir.resolve("cds"), jar)).isNull();
        assertThat(archive).doesNotExist();
    }

    @Test
    void anArchiveOverwrittenInTheMiddleIsDeletedNotMapped() throws Exception {
        Path archive = record(dir.resolve("cds"), jar);
        overwriteMiddle(archive);
        assertThat(usable(dir.resolve("cds"), jar)).isNull();
        assertThat(archive).doesNotExist();
    }

    static void overwriteMiddle(Path archive) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            byte[] junk = new byte[4096];
            Arrays.fill(junk, (byte) 0x5a);
            f.seek(f.length() / 2);
            f.write(junk);
        }
    }

    @Test
    void anIntactArchiveOfAnotherClassPathIsRefusedByTheTrialStart() throws Exception {
        Path cds = dir.resolve("cds");
        Path ofApp = record(cds, jar);
        // the archive of app.jar, under the name other.jar's would have: its digest is right, its content is not
        Path planted = cds.resolve(ClassDataSharing.key(command(otherJar), otherJar) + "-" + CdsFiles.digest(ofApp)
                + ".jsa");
        Files.copy(ofApp, planted);
        assertThat(CdsFiles.intact(planted)).isTrue();
        assertThat(usable(cds, otherJar)).isNull();
        assertThat(planted).doesNotExist();
        assertThat(usable(cds, jar)).isEqualTo(ofApp);
    }

    @Test
    void archivesWritableByOthersOrOwnedByAnotherUserAreRefused() throws Exception {
        Path cds = dir.resolve("cds");
        Path archive = record(cds, jar);
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(usable(cds, jar)).isNull();
        assertThat(archive).doesNotExist();

        archive = record(cds, jar);
        Files.setAttribute(archive, "unix:uid", 65534);  // the tests run as root, as CI does
        assertThat(usable(cds, jar)).isNull();
        assertThat(archive).doesNotExist();
    }

    @Test
    void aDirectoryWritableByOthersOrOwnedByAnotherUserIsNotUsed() throws Exception {
        Path cds = Files.createDirectories(dir.resolve("open"));
        Files.setPosixFilePermissions(cds, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(ClassDataSharing.forWorkers(cds, command(jar), jar)).isNull();
        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.setPosixFilePermissions(foreign, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(foreign, "unix:uid", 65534);
        assertThat(ClassDataSharing.forWorkers(foreign, command(jar), jar)).isNull();
        assertThat(ClassDataSharing.forWorkers(dir.resolve("mine"), command(jar), jar)).isNotNull();
    }

    @Test
    void theDirectoryIsCreatedPrivateEvenUnderUmask000() throws Exception {
        // a JVM started under umask 000 creates $XDG_CACHE_HOME/procpool/cds
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "umask 000 && exec \"$0\" -cp \"$1\" \"$2\" \"$3\"", JAVA,
                System.getProperty("java.class.path"), MakeDirectory.class.getName(), jar).redirectErrorStream(true);
        pb.environment().put("XDG_CACHE_HOME", dir.resolve("xdg").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("umask 0000");
        Path made = dir.resolve("xdg/procpool/cds");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made.getParent())))
                .isEqualTo("rwx------");
    }

    /** Run under umask 000 with XDG_CACHE_HOME set: makes the default directory for the jar {@code args[0]}. */
    static final class MakeDirectory {
        public static void main(String[] args) throws Exception {
            System.out.println("umask " + Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Umask:")).findFirst().orElse("?").substring(6).trim());
            ClassDataSharing.forWorkers(ClassDataSharing.defaultDirectory(), command(args[0]), args[0]);
        }
    }

    @Test
    void staleTemporaryFilesOfDeadManagersGoAndOnlyTheNewestArchivesStay() throws Exception {
        Path cds = dir.resolve("cds");
        Files.createDirectories(cds);
        Files.setPosixFilePermissions(cds, PosixFilePermissions.fromString("rwx------"));
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path ofDead = Files.createFile(cds.resolve("0123abcd." + dead.pid() + ".99.tmp"));
        Path ofLive = Files.createFile(cds.resolve("0123abcd." + ProcessHandle.current().pid() + ".98.tmp"));
        List<Path> old = new ArrayList<>();
        for (int i = 0; i < CdsFiles.MAX_ARCHIVES + 2; i++) {
            Path a = Files.writeString(cds.resolve(String.format("%032x-%032x.jsa", i, i)), "old");
            Files.setLastModifiedTime(a, FileTime.from(Instant.now().minusSeconds(1000 - i)));
            old.add(a);
        }
        ClassDataSharing.forWorkers(cds, command(jar), jar);
        assertThat(ofDead).doesNotExist();
        assertThat(ofLive).exists();
        assertThat(old.get(0)).doesNotExist();
        assertThat(old.get(1)).doesNotExist();
        assertThat(old.get(2)).exists();
        Path archive = record(cds, jar);
        try (Stream<Path> s = Files.list(cds)) {
            assertThat(s.filter(p -> p.toString().endsWith(".jsa")).toList()).hasSize(CdsFiles.MAX_ARCHIVES)
                    .contains(archive).doesNotContain(old.get(2));
        }
    }

    @Test
    void aFailedStartOfAWorkerThatMappedTheArchiveDiscardsIt() throws Exception {
        Path archive = record(dir.resolve("cds"), jar);
        ClassDataSharing c = ClassDataSharing.forWorkers(dir.resolve("cds"), command(jar), jar);
        c.failedStart();
        assertThat(archive).doesNotExist();
        assertThat(ClassDataSharing.records(c.optionsFor(9))).isTrue();
    }

    private static Path jarOf(Path jarFile, Path root) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jarFile));
             Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(root.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jarFile;
    }
}
