package io.procpool.runtime.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.loader.tools.LoaderImplementation;

/**
 * A TaskPool works however its application is packaged and started: each test runs {@link PackagedApp} in its own
 * JVM, packaged one way, and checks that a lambda and a record task ran in a worker with the right results, that
 * the workers ran where {@code directory(...)} said, and that no process is left behind. The application runs
 * with no SLF4J provider, so its workers' output reaches its stdout prefixed with the worker's name.
 */
@ExtendWith(NoChildLeft.class)
class PackagingTest {

    /** Where CDS is not the point: no archive to record when the worker exits (it costs a second or so). */
    private static final String NO_CDS = "-Dapp.nocds=true";

    @TempDir
    static Path dir;
    private static Path elsewhere;

    @BeforeAll
    static void directories() throws IOException {
        elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    }

    /** Each application gets a cache directory of its own (class-data sharing archives go there). */
    private static Map<String, String> env(String name) {
        return Map.of("XDG_CACHE_HOME", dir.resolve("cache-" + name).toString());
    }

    @Test
    void classDirectoriesGivenRelativeWithTheWorkersElsewhere() throws Exception {
        Path app = Fixtures.appClasses(Files.createDirectories(dir.resolve("ide/app-classes")));
        List<String> cp = new ArrayList<>();
        cp.add(dir.resolve("ide").relativize(app).toString());
        Fixtures.runtime().forEach(p -> cp.add(p.toString()));
        AppRun run = AppRun.run(dir.resolve("ide"), env("ide"), "-Dapp.crash=true", "-cp",
                String.join(File.pathSeparator, cp), Fixtures.APP, "ide", elsewhere.toString()).ranTasks(elsewhere);
        // no SLF4J provider in the application: worker output still reaches its stdout, with the worker's name, and
        // procpool's warning about the crash its stderr
        assertThat(run.value("CRASHED")).isEqualTo("WorkerCrashedException");
        assertThat(run.stdout()).containsPattern("\\[ide-1 \\d+ stdout\\] printed by the task");
        assertThat(run.stderr()).containsPattern("procpool WARN ide - worker ide-1 \\(pid \\d+\\) exited 3");
        assertNoWorkerOf("ide");
    }

    @Test
    void shadedJarStartedByARelativePathWithTheWorkersElsewhere() throws Exception {
        Files.createDirectories(dir.resolve("shaded/target"));
        List<Path> roots = new ArrayList<>();
        roots.add(Fixtures.appClasses(dir.resolve("shaded/app-classes")));
        roots.addAll(Fixtures.runtime());
        Fixtures.shaded(dir.resolve("shaded/target/app.jar"), roots, Fixtures.APP);
        AppRun first = AppRun.run(dir.resolve("shaded"), env("shaded"), "-jar", "target/app.jar", "shaded",
                elsewhere.toString()).ranTasks(elsewhere);
        // a jar class path: the first worker recorded a class-data sharing archive, in $XDG_CACHE_HOME, privately
        Path cds = dir.resolve("cache-shaded/procpool/cds");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cds))).isEqualTo("rwx------");
        assertThat(list(cds)).singleElement().satisfies(a -> assertThat(a).endsWith(".jsa"));
        System.out.println("shaded jar: worker start-up " + first.startupMillis() + " ms");
        // that a later worker maps it: JdkTest, on each JDK
        assertNoWorkerOf("shaded");
    }

    @Test
    void classLoaderLauncherWhoseClassPathHoldsNoneOfTheApplication() throws Exception {
        Path launcher = Files.createDirectories(dir.resolve("launcher"));
        Fixtures.shaded(launcher.resolve("launcher.jar"), List.of(Fixtures.appClasses(launcher.resolve("classes"))),
                null);
        List<String> app = new ArrayList<>();
        app.add(Fixtures.appClasses(launcher.resolve("app")).toString());
        Fixtures.runtime().forEach(p -> app.add(p.toString()));
        AppRun run = AppRun.run(launcher, env("loader"), NO_CDS, "-cp", "launcher.jar", ClassLoaderLauncher.class.getName(),
                String.join(File.pathSeparator, app), Fixtures.APP, "loader").ranTasks(launcher);
        // jnr-ffi's finalizer thread, started by procpool, must not join the application's thread group
        assertThat(run.value("LINGERING")).isEqualTo("[]");
        System.out.println("class-loader launcher: worker start-up " + run.startupMillis() + " ms");
        assertNoWorkerOf("loader");
    }

    @Test
    void springBootExecutableJar() throws Exception {
        Path boot = Fixtures.springBoot(Files.createDirectories(dir.resolve("boot")), "boot3",
                LoaderImplementation.DEFAULT);
        AppRun run = AppRun.run(dir.resolve("boot"), env("boot3"), NO_CDS, "-jar", "boot3.jar", "boot3", elsewhere.toString())
                .ranTasks(elsewhere);
        System.out.println("Spring Boot jar: worker start-up " + run.startupMillis() + " ms");
        assertNoWorkerOf("boot3");
    }

    @Test
    void springBootJarExtractedToADirectoryAsInAContainerImage() throws Exception {
        Path boot = Fixtures.springBoot(Files.createDirectories(dir.resolve("extracted")), "extracted",
                LoaderImplementation.DEFAULT);
        Path root = Files.createDirectories(dir.resolve("extracted/root"));
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(boot))) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                Path to = root.resolve(e.getName()).normalize();
                if (e.isDirectory()) {
                    Files.createDirectories(to);
                } else {
                    Files.createDirectories(to.getParent());
                    Files.copy(in, to);
                }
            }
        }
        AppRun run = AppRun.run(root, env("extracted"), NO_CDS, "-cp", ".",
                "org.springframework.boot.loader.launch.JarLauncher", "extracted").ranTasks(root);
        System.out.println("Spring Boot jar extracted: worker start-up " + run.startupMillis() + " ms");
        assertNoWorkerOf("extracted");
    }

    @Test
    void springBootJarWithTheClassicLoaderOfBoot2() throws Exception {
        Path boot = Fixtures.springBoot(Files.createDirectories(dir.resolve("classic")), "classic",
                LoaderImplementation.CLASSIC);
        AppRun run = AppRun.run(dir.resolve("classic"), env("classic"), NO_CDS, "-jar", boot.toString(), "classic").ranTasks(
                dir.resolve("classic"));
        System.out.println("Spring Boot jar, classic loader: worker start-up " + run.startupMillis() + " ms");
        assertNoWorkerOf("classic");
    }

    private static List<String> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
    }

    /** No process anywhere (orphans included) runs as a worker of {@code pool}. */
    static void assertNoWorkerOf(String pool) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                try {
                    String cmd = Files.readString(p.resolve("cmdline"));
                    if (cmd.startsWith("procpool:" + pool + ":")) {
                        found.add(p.getFileName() + " " + cmd.replace('\0', ' '));
                    }
                } catch (IOException | RuntimeException gone) {
                    // not a process, or gone
                }
            }
        }
        assertThat(found).as("workers of %s left", pool).isEmpty();
    }
}
