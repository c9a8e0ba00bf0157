package io.procpool.runtime.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a worker reads about itself from {@code /proc/self} (Linux), cheaper than the JDK's ways at start-up. */
final class ProcSelf {

    private ProcSelf() {
    }

    /**
     * Whether fd 0 is a socket: {@code /proc/self/fd/0} links to {@code socket:[inode]}. Not
     * {@code System.inheritedChannel()}, which costs some 100 ms of a cold JVM (see {@link WorkerMain}).
     */
    static boolean socketOnFd0() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString().startsWith("socket:");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** This process's id: {@code ProcessHandle} would start the JDK's process-reaper thread pool. */
    static long pid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().pid();
        }
    }
}
