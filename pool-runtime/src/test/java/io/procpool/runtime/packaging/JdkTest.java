package io.procpool.runtime.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host and workers on every JDK installed under /usr/lib/jvm (17 and 25 on the project's machines): the application
 * (a shaded jar, so that the workers record and then map a class-data sharing archive) prints no warning of ours.
 * The host gets the options the README documents for it; the workers get theirs from procpool.
 */
@ExtendWith(NoChildLeft.class)
class JdkTest {

    @TempDir
    static Path dir;
    private static Path jar;

    @BeforeAll
    static void shadedJar() throws IOException {
        List<Path> roots = new ArrayList<>();
        roots.add(Fixtures.appClasses(dir.resolve("app-classes")));
        roots.addAll(Fixtures.runtime());
        jar = Fixtures.shaded(dir.resolve("app.jar"), roots, Fixtures.APP);
    }

    /** Each JDK's java by feature version (17, 25), one per version. */
    static Map<Integer, Path> installed() throws IOException {
        Map<Integer, Path> out = new LinkedHashMap<>();
        try (Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm")).sorted()) {
            for (Path home : (Iterable<Path>) homes::iterator) {
                Path java = home.resolve("bin/java");
                Path release = home.resolve("release");
                if (Files.isExecutable(java) && Files.isRegularFile(release)) {
                    String v = Files.readAllLines(release).stream().filter(l -> l.startsWith("JAVA_VERSION="))
                            .findFirst().orElse("JAVA_VERSION=\"0\"").replaceAll(".*=\"?([0-9]+).*", "$1");
                    out.putIfAbsent(Integer.parseInt(v), java.toRealPath());
                }
            }
        }
        return out;
    }

    /** The options the README tells a host on this version to give its JVM (jnr's native access, Unsafe). */
    static List<String> hostOptions(int feature) {
        return feature >= 24 ? List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow")
                : List.of();
    }

    @TestFactory
    Stream<DynamicTest> hostAndWorkersOnEachJdkPrintNoWarning() throws IOException {
        Map<Integer, Path> jdks = installed();
        System.out.println("JDKs installed: " + jdks + (jdks.containsKey(25) ? "" : " (no JDK 25 here: not tested)"));
        assertThat(jdks).containsKey(Runtime.version().feature());
        return jdks.entrySet().stream().map(e -> DynamicTest.dynamicTest("JDK " + e.getKey(), () -> {
            String name = "jdk" + e.getKey();
            Path cwd = Files.createDirectories(dir.resolve(name));
            Map<String, String> env = Map.of("XDG_CACHE_HOME", dir.resolve("cache-" + name).toString());
            List<String> args = new ArrayList<>(hostOptions(e.getKey()));
            args.addAll(List.of("-Dapp.java=" + e.getValue(), "-jar", jar.toString(), name));
            AppRun recording = run(e.getValue(), cwd, env, args).ranTasks(cwd);
            AppRun mapping = run(e.getValue(), cwd, env, args).ranTasks(cwd);
            assertThat(mapping.value("CDS")).as("the second run's worker maps the archive").isEqualTo("true");
            for (AppRun r : List.of(recording, mapping)) {
                assertThat(warnings(r)).as("warnings on JDK %s in\n%s", e.getKey(), r).isEmpty();
            }
            System.out.println("JDK " + e.getKey() + ": worker start-up " + recording.startupMillis() + " ms, with the"
                    + " archive " + mapping.startupMillis() + " ms");
            PackagingTest.assertNoWorkerOf(name);
        }));
    }

    /**
     * A worker's standard output goes to the user's log: the default JVM options (the per-method JIT thresholds of
     * session 27 among them, which print a {@code CompileCommand:} line each unless quiet) say nothing on any JDK.
     */
    @Test
    void theDefaultJvmOptionsPrintNothingOnAnyJdk() throws Exception {
        for (Map.Entry<Integer, Path> e : installed().entrySet()) {
            if (e.getKey() < 17) {
                continue;
            }
            List<String> cmd = new ArrayList<>(List.of(e.getValue().toString()));
            cmd.addAll(io.procpool.runtime.TaskPool.Builder.DEFAULT_JVM_OPTIONS);
            cmd.add("-version");
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("exit status on JDK %s", e.getKey()).isZero();
            assertThat(out).as("standard output on JDK %s", e.getKey()).isEmpty();
        }
    }

    @Test
    void workersOnAnotherJdkThanTheHost() throws Exception {
        Map<Integer, Path> jdks = installed();
        Path other = jdks.entrySet().stream().filter(e -> e.getKey() != Runtime.version().feature())
                .map(Map.Entry::getValue).findFirst().orElse(Path.of(AppRun.JAVA));
        System.out.println("host on " + Runtime.version().feature() + ", workers on " + other);
        Path cwd = Files.createDirectories(dir.resolve("cross"));
        AppRun r = AppRun.run(cwd, Map.of("XDG_CACHE_HOME", dir.resolve("cache-cross").toString()),
                "-Dapp.java=" + other, "-jar", jar.toString(), "cross").ranTasks(cwd);
        assertThat(warnings(r)).as("warnings in\n%s", r).isEmpty();
        PackagingTest.assertNoWorkerOf("cross");
    }

    private static AppRun run(Path java, Path cwd, Map<String, String> env, List<String> args)
            throws IOException, InterruptedException {
        return AppRun.run(java.toString(), cwd, env, args.toArray(String[]::new));
    }

    /** Lines that warn, but SLF4J's own notice that the application has no provider. */
    private static List<String> warnings(AppRun r) {
        return Stream.concat(r.stdout().lines(), r.stderr().lines())
                .filter(l -> !l.startsWith("SLF4J(W)"))
                .filter(l -> l.contains("WARNING") || l.contains("[warning]") || l.contains("[error]")
                        || l.contains("WARN ") || l.toLowerCase(java.util.Locale.ROOT).contains("unsafe"))
                .toList();
    }
}
