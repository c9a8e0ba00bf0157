package io.procpool.runtime.packaging;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A class-loader launcher as {@code mvn exec:java} or a plug-in host is one: it is alone on java.class.path and
 * loads the application from URLs, runs its main in a thread group of its own and says which of that group's threads
 * outlive it ({@code LINGERING [names]}: exec:java waits 15 s for each). Arguments: the application's class path,
 * its main class, then its arguments.
 */
public final class ClassLoaderLauncher {

    private ClassLoaderLauncher() {
    }

    public static void main(String[] args) throws Exception {
        String[] entries = args[0].split(File.pathSeparator);
        URL[] urls = new URL[entries.length];
        for (int i = 0; i < entries.length; i++) {
            urls[i] = Path.of(entries[i]).toUri().toURL();
        }
        // as exec:java does: the application's main in a thread group of its own, whose threads must end with it
        ThreadGroup group = new ThreadGroup("app");
        Throwable[] failed = new Throwable[1];
        try (URLClassLoader app = new URLClassLoader("app", urls, ClassLoader.getPlatformClassLoader())) {
            Thread main = new Thread(group, () -> {
                try {
                    app.loadClass(args[1]).getMethod("main", String[].class)
                            .invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
                } catch (ReflectiveOperationException e) {
                    failed[0] = e;
                }
            }, "app-main");
            main.start();
            main.join();
        }
        if (failed[0] != null) {
            throw new IllegalStateException(failed[0]);
        }
        Thread[] threads = new Thread[group.activeCount() + 16];
        List<String> lingering = new ArrayList<>();
        for (int i = 0, n = group.enumerate(threads, true); i < n; i++) {
            threads[i].join(5000);
            if (threads[i].isAlive()) {
                lingering.add(threads[i].getName());
            }
        }
        System.out.println("LINGERING " + lingering);
    }
}
