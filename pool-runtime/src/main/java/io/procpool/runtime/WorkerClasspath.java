package io.procpool.runtime;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import io.procpool.runtime.supervise.JvmWorker;

/**
 * How a worker JVM finds procpool and the task classes: its class path, and the main class with the properties it
 * needs, derived from the application rather than from {@code java.class.path} alone.
 *
 * <ul>
 *   <li>a Spring Boot executable jar, or one extracted to a directory (procpool loaded by Boot's launched class
 *       loader): the worker starts through Boot's own {@code PropertiesLauncher} on the same jar or directory,
 *       with {@code -Dloader.main=WorkerMain}, so that
 *       {@code BOOT-INF/classes} and the nested jars of {@code BOOT-INF/lib} are its class path too;</li>
 *   <li>procpool loaded by a {@link URLClassLoader} ({@code mvn exec:java}, application servers, plug-in hosts):
 *       the file URLs of that loader and its parents, then {@code java.class.path} if the chain reaches the
 *       application class loader;</li>
 *   <li>else {@code java.class.path} (plain {@code -cp}, {@code -jar}, shaded jars, IDE class directories).</li>
 * </ul>
 * Every entry is made absolute (a worker may run in another directory). The result must hold
 * {@code WorkerMain}, else {@link #derive} fails naming what it found and the fix.
 *
 * @param classpath   the worker's {@code -cp}, absolute entries
 * @param launch      what follows {@code -cp classpath} on the command line: properties, then the main class
 * @param description where the class path came from, for messages
 */
record WorkerClasspath(String classpath, List<String> launch, String description) {

    static final String WORKER_CLASS = JvmWorker.MAIN_CLASS;
    private static final String WORKER_RESOURCE = JvmWorker.MAIN_RESOURCE;
    private static final String BOOT_LOADERS = "org.springframework.boot.loader.";
    private static final String BOOT_LAUNCHER = "org/springframework/boot/loader/launch/PropertiesLauncher.class";
    private static final String BOOT2_LAUNCHER = "org/springframework/boot/loader/PropertiesLauncher.class";

    /** The class path from {@link TaskPool.Builder#classpath}: entries made absolute against this JVM's directory. */
    static WorkerClasspath explicit(String classpath) {
        return new WorkerClasspath(absolute(List.of(classpath.split(File.pathSeparator, -1))),
                List.of(WORKER_CLASS), "classpath(...)");
    }

    /**
     * The class path of the application whose code loaded procpool, seen from {@code loader}.
     *
     * @throws IllegalStateException when none holds procpool's worker, naming what was found and the fix
     */
    static WorkerClasspath derive(ClassLoader loader, String javaClassPath) {
        WorkerClasspath found = boot(loader, javaClassPath);
        if (found == null) {
            found = fromLoaders(loader, javaClassPath);
        }
        if (found.launch.size() == 1 && !holdsWorker(found.classpath)) {
            throw new IllegalStateException("cannot derive the workers' class path: " + found.description + " gave ["
                    + found.classpath + "], and none of it holds " + WORKER_CLASS + ". Set"
                    + " TaskPool.builder().classpath(...) to the jars and directories of procpool, its dependencies"
                    + " and your task classes");
        }
        return found;
    }

    /** Spring Boot's launched class loader (2.x: LaunchedURLClassLoader, 3.2+: LaunchedClassLoader): its launcher. */
    private static WorkerClasspath boot(ClassLoader loader, String javaClassPath) {
        boolean launched = false;
        for (ClassLoader l = loader; l != null; l = l.getParent()) {
            launched |= l.getClass().getName().startsWith(BOOT_LOADERS);
        }
        if (!launched || javaClassPath.isEmpty()) {
            return null;
        }
        String jar = absolute(List.of(javaClassPath.split(File.pathSeparator)[0]));
        String launcher;
        if (Files.isDirectory(Path.of(jar))) {  // an extracted jar, e.g. in a container image
            launcher = Files.isRegularFile(Path.of(jar, BOOT_LAUNCHER)) ? BOOT_LAUNCHER
                    : Files.isRegularFile(Path.of(jar, BOOT2_LAUNCHER)) ? BOOT2_LAUNCHER : null;
        } else {
            try (JarFile j = new JarFile(jar)) {
                launcher = j.getEntry(BOOT_LAUNCHER) != null ? BOOT_LAUNCHER
                        : j.getEntry(BOOT2_LAUNCHER) != null ? BOOT2_LAUNCHER : null;
            } catch (IOException e) {
                throw new IllegalStateException("cannot derive the workers' class path: procpool runs in a Spring Boot"
                        + " class loader, but " + jar + " (java.class.path) is not a readable jar (" + e.getMessage()
                        + "). Set TaskPool.builder().classpath(...)", e);
            }
        }
        if (launcher == null) {
            return null;
        }
        launcher = launcher.substring(0, launcher.length() - ".class".length()).replace('/', '.');
        return new WorkerClasspath(jar, List.of("-Dloader.main=" + WORKER_CLASS, launcher),
                "the Spring Boot jar " + jar + " (through " + launcher + ")");
    }

    /** The file URLs of every URLClassLoader from the root down, and java.class.path where the app loader is. */
    private static WorkerClasspath fromLoaders(ClassLoader loader, String javaClassPath) {
        Deque<List<String>> levels = new ArrayDeque<>();
        List<String> via = new ArrayList<>();
        ClassLoader app = ClassLoader.getSystemClassLoader();
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        for (ClassLoader l = loader; l != null && l != platform; l = l.getParent()) {
            if (l == app) {
                levels.addFirst(javaClassPath.isEmpty() ? List.of() : List.of(javaClassPath.split(File.pathSeparator)));
                via.add("java.class.path");
                break;
            }
            if (l instanceof URLClassLoader u) {
                List<String> files = new ArrayList<>();
                for (URL url : u.getURLs()) {
                    if ("file".equals(url.getProtocol())) {
                        try {
                            files.add(Path.of(url.toURI()).toString());
                        } catch (URISyntaxException | IllegalArgumentException e) {
                            files.add(url.getPath());
                        }
                    }
                }
                levels.addFirst(files);
            }
            via.add(l.getClass().getName());
        }
        List<String> entries = new ArrayList<>();
        levels.forEach(entries::addAll);
        return new WorkerClasspath(absolute(entries), List.of(WORKER_CLASS), "the class loaders " + via);
    }

    /** Entries made absolute and normalized, duplicates dropped; an empty entry is the current directory. */
    private static String absolute(List<String> entries) {
        Set<String> out = new LinkedHashSet<>();
        for (String e : entries) {
            boolean wildcard = e.endsWith("*") && (e.length() == 1 || e.charAt(e.length() - 2) == File.separatorChar);
            String base = wildcard ? e.substring(0, e.length() - 1) : e;
            String abs = Path.of(base.isEmpty() ? "." : base).toAbsolutePath().normalize().toString();
            out.add(wildcard ? abs + File.separator + "*" : abs);
        }
        return String.join(File.pathSeparator, out);
    }

    /** Whether the worker's class can be found on {@code classpath}, following jars' Class-Path manifests. */
    static boolean holdsWorker(String classpath) {
        Deque<Path> todo = new ArrayDeque<>();
        for (String e : classpath.split(File.pathSeparator)) {
            if (e.endsWith("*")) {
                try (Stream<Path> jars = Files.list(Path.of(e.substring(0, e.length() - 1)))) {
                    jars.filter(p -> p.toString().endsWith(".jar")).forEach(todo::add);
                } catch (IOException | RuntimeException ignored) {
                    // not a directory: nothing there
                }
            } else if (!e.isEmpty()) {
                todo.add(Path.of(e));
            }
        }
        Set<Path> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Path p = todo.poll();
            if (!seen.add(p)) {
                continue;
            }
            if (Files.isDirectory(p)) {
                if (Files.isRegularFile(p.resolve(WORKER_RESOURCE))) {
                    return true;
                }
            } else if (Files.isRegularFile(p)) {
                try (JarFile jar = new JarFile(p.toFile())) {
                    if (jar.getEntry(WORKER_RESOURCE) != null) {
                        return true;
                    }
                    Manifest m = jar.getManifest();
                    String more = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                    if (more != null) {
                        for (String rel : more.trim().split("\\s+")) {
                            try {
                                todo.add(p.resolveSibling(new java.net.URI(rel).getPath()));
                            } catch (URISyntaxException | RuntimeException ignored) {
                                // an entry the JVM would skip too
                            }
                        }
                    }
                } catch (IOException notAJar) {
                    // the JVM skips it as well
                }
            }
        }
        return false;
    }

    /** The context class loader if it sees this procpool (it may see the task classes too), else procpool's. */
    static ClassLoader applicationLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            try {
                if (Class.forName(TaskPool.class.getName(), false, context) == TaskPool.class) {
                    return context;
                }
            } catch (ClassNotFoundException | LinkageError notThisOne) {
                // a loader of another world: use procpool's
            }
        }
        return TaskPool.class.getClassLoader();
    }
}
