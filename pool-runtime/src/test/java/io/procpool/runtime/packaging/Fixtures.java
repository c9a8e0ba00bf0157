package io.procpool.runtime.packaging;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.springframework.boot.loader.tools.Library;
import org.springframework.boot.loader.tools.LibraryScope;
import org.springframework.boot.loader.tools.LoaderImplementation;
import org.springframework.boot.loader.tools.Repackager;

/**
 * Builds the packagings of {@link PackagedApp} from this module's classes and its runtime class path (which Maven
 * writes to target/runtime-classpath.txt): class directories, a shaded jar, Spring Boot executable jars.
 */
final class Fixtures {

    static final String APP = PackagedApp.class.getName();
    private static final String APP_DIR = APP.substring(0, APP.lastIndexOf('.')).replace('.', '/');

    private Fixtures() {
    }

    /** procpool and its runtime dependencies, absolute: this module's classes first. */
    static List<Path> runtime() throws IOException {
        List<Path> out = new ArrayList<>();
        out.add(Path.of("target/classes").toAbsolutePath());
        for (String e : Files.readString(Path.of("target/runtime-classpath.txt")).trim().split(File.pathSeparator)) {
            if (!e.isBlank()) {
                out.add(Path.of(e).toAbsolutePath());
            }
        }
        return out;
    }

    /** The application's own classes (this package of the test classes), copied into {@code dir}. */
    static Path appClasses(Path dir) throws IOException {
        Path from = Path.of("target/test-classes").resolve(APP_DIR);
        Path to = Files.createDirectories(dir.resolve(APP_DIR));
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    /** One jar of everything in {@code roots} (directories and jars), first entry of a name wins: a shaded jar. */
    static Path shaded(Path jar, List<Path> roots, String mainClass) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        Set<String> seen = new HashSet<>();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            seen.add("META-INF/MANIFEST.MF");
            for (Path root : roots) {
                if (Files.isDirectory(root)) {
                    try (Stream<Path> files = Files.walk(root)) {
                        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                            String name = root.relativize(f).toString().replace(File.separatorChar, '/');
                            try (InputStream in = Files.newInputStream(f)) {
                                put(out, seen, name, in);
                            }
                        }
                    }
                } else {
                    try (JarFile j = new JarFile(root.toFile())) {
                        for (Enumeration<JarEntry> en = j.entries(); en.hasMoreElements(); ) {
                            JarEntry e = en.nextElement();
                            if (!e.isDirectory()) {
                                try (InputStream in = j.getInputStream(e)) {
                                    put(out, seen, e.getName(), in);
                                }
                            }
                        }
                    }
                }
            }
        }
        return jar;
    }

    private static void put(JarOutputStream out, Set<String> seen, String name, InputStream in) throws IOException {
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        boolean signature = upper.startsWith("META-INF/") && (upper.endsWith(".SF") || upper.endsWith(".RSA")
                || upper.endsWith(".DSA"));
        if (signature || name.endsWith("module-info.class") || !seen.add(name)) {
            return;
        }
        out.putNextEntry(new JarEntry(name));
        in.transferTo(out);
        out.closeEntry();
    }

    /**
     * A Spring Boot executable jar: the application in BOOT-INF/classes, procpool and its dependencies as nested
     * jars in BOOT-INF/lib, Boot's launcher ({@code loader}: the 3.2+ one, or the classic one of Boot 2.x..3.1).
     */
    static Path springBoot(Path dir, String name, LoaderImplementation loader) throws IOException {
        Path work = Files.createDirectories(dir.resolve(name + "-parts"));
        Path plain = shaded(work.resolve(name + ".jar"), List.of(appClasses(work.resolve("classes"))), APP);
        List<File> libs = new ArrayList<>();
        for (Path p : runtime()) {
            libs.add(Files.isDirectory(p) ? shaded(work.resolve("classes-" + libs.size() + ".jar"), List.of(p), null)
                    .toFile() : p.toFile());
        }
        Repackager repackager = new Repackager(plain.toFile());
        repackager.setMainClass(APP);
        repackager.setLoaderImplementation(loader);
        Path boot = dir.resolve(name + ".jar");
        repackager.repackage(boot.toFile(), callback -> {
            for (File f : libs) {
                callback.library(new Library(f, LibraryScope.COMPILE));
            }
        });
        return boot;
    }
}
