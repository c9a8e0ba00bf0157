package io.procpool.runtime.packaging;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A class-loader launcher as {@code mvn exec:java} or a plug-in host is one: it is alone on java.class.path and
 * loads the application from URLs. Arguments: the application's class path, its main class, then its arguments.
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
        try (URLClassLoader app = new URLClassLoader("app", urls, ClassLoader.getPlatformClassLoader())) {
            app.loadClass(args[1]).getMethod("main", String[].class)
                    .invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
        }
    }
}
