package io.procpool.runtime.packaging;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.loader.tools.LoaderImplementation;

/**
 * Benchmark, not a test (Surefire's default includes skip it): worker start-up (spawn to HELLO, from the
 * {@code workerReady} listener) of {@link PackagedApp} per packaging, median of 7 application runs after one warm-up
 * run that also records the class-data sharing archive. Run it with
 * {@code mvn -B -ntp verify -pl pool-runtime -am -Dtest=StartupByPackagingBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class StartupByPackagingBench {
    @TempDir
    Path dir;

    @Test
    void measure() throws Exception {
        List<String> cp = new ArrayList<>();
        cp.add(Fixtures.appClasses(Files.createDirectories(dir.resolve("ide"))).toString());
        Fixtures.runtime().forEach(p -> cp.add(p.toString()));
        String cps = String.join(File.pathSeparator, cp);
        List<Path> roots = new ArrayList<>();
        roots.add(Fixtures.appClasses(dir.resolve("shaded-classes")));
        roots.addAll(Fixtures.runtime());
        Path shaded = Fixtures.shaded(dir.resolve("app.jar"), roots, Fixtures.APP);
        Path launcher = Fixtures.shaded(dir.resolve("launcher.jar"), List.of(Fixtures.appClasses(dir.resolve("l"))),
                null);
        Path boot = Fixtures.springBoot(Files.createDirectories(dir.resolve("b")), "boot3",
                LoaderImplementation.DEFAULT);
        Path classic = Fixtures.springBoot(Files.createDirectories(dir.resolve("c")), "classic",
                LoaderImplementation.CLASSIC);
        String j25 = JdkTest.installed().getOrDefault(25, Path.of(AppRun.JAVA)).toString();
        measure("class directories", AppRun.JAVA, "-cp", cps, Fixtures.APP, "m1");
        measure("shaded jar (CDS)", AppRun.JAVA, "-jar", shaded.toString(), "m2");
        measure("shaded jar, no CDS", AppRun.JAVA, "-Dapp.nocds=true", "-jar", shaded.toString(), "m2b");
        measure("class-loader launcher", AppRun.JAVA, "-cp", launcher.toString(), ClassLoaderLauncher.class.getName(),
                cps, Fixtures.APP, "m3");
        measure("Spring Boot 3.2+ loader (CDS)", AppRun.JAVA, "-jar", boot.toString(), "m4");
        measure("Spring Boot classic loader (CDS)", AppRun.JAVA, "-jar", classic.toString(), "m5");
        measure("JDK 25 shaded jar (CDS)", j25, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Dapp.java=" + j25, "-jar", shaded.toString(), "m6");
    }

    private void measure(String what, String java, String... args) throws Exception {
        Map<String, String> env = Map.of("XDG_CACHE_HOME", dir.resolve("cache").toString());
        AppRun.run(java, dir, env, args);  // warm-up; records the archive
        long[] ms = new long[7];
        for (int i = 0; i < ms.length; i++) {
            AppRun r = AppRun.run(java, dir, env, args);
            ms[i] = r.startupMillis();
        }
        Arrays.sort(ms);
        System.out.println("MEASURE " + what + ": median " + ms[ms.length / 2] + " ms, min " + ms[0] + ", max "
                + ms[ms.length - 1]);
    }
}
