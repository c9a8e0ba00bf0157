package io.procpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deriving the workers' class path (the packagings themselves run in packaging.PackagingTest). */
class WorkerClasspathTest {

    private static final Path RUNTIME_CLASSES = Path.of("target/classes").toAbsolutePath();

    @Test
    void relativeEntriesAreMadeAbsolute() {
        WorkerClasspath cp = WorkerClasspath.explicit("target/classes" + File.pathSeparator + "lib/*"
                + File.pathSeparator + "");
        assertThat(cp.classpath().split(File.pathSeparator)).containsExactly(RUNTIME_CLASSES.toString(),
                Path.of("lib").toAbsolutePath() + "/*", Path.of("").toAbsolutePath().toString());
        assertThat(cp.launch()).containsExactly(WorkerClasspath.WORKER_CLASS);
    }

    @Test
    void aUrlClassLoaderGivesItsUrlsAfterItsParents(@TempDir Path dir) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {RUNTIME_CLASSES.toUri().toURL(),
                dir.toUri().toURL()}, ClassLoader.getSystemClassLoader())) {
            WorkerClasspath cp = WorkerClasspath.derive(loader, "a.jar");
            assertThat(cp.classpath().split(File.pathSeparator)).containsExactly(Path.of("a.jar").toAbsolutePath()
                    .toString(), RUNTIME_CLASSES.toString(), dir.toString());
        }
    }

    @Test
    void aClassPathWithoutProcpoolFailsNamingWhatWasFoundAndTheFix(@TempDir Path dir) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> WorkerClasspath.derive(loader, "")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir.toString()).hasMessageContaining("java.net.URLClassLoader")
                    .hasMessageContaining(WorkerClasspath.WORKER_CLASS).hasMessageContaining("classpath(...)");
        }
    }

    @Test
    void aJarWhoseManifestClassPathLeadsToProcpoolHoldsTheWorker(@TempDir Path dir) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, RUNTIME_CLASSES.toUri().toString());
        Path jar = dir.resolve("booter.jar");
        new JarOutputStream(Files.newOutputStream(jar), m).close();
        assertThat(WorkerClasspath.holdsWorker(jar.toString())).isTrue();
        assertThat(WorkerClasspath.holdsWorker(dir.toString())).isFalse();
        assertThat(WorkerClasspath.derive(ClassLoader.getSystemClassLoader(), jar.toString()).classpath())
                .isEqualTo(jar.toString());
        assertThat(List.of(WorkerClasspath.derive(ClassLoader.getSystemClassLoader(), jar.toString()).launch()))
                .hasSize(1);
    }
}
