package io.procpool.runtime.supervise;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.procpool.runtime.process.Logs;
import org.slf4j.Logger;

/**
 * An AppCDS archive for the worker JVMs (the dynamic archive of Java 13+): a worker with no archive yet records the
 * classes it loaded when it exits ({@code -XX:ArchiveClassesAtExit}); later workers map them
 * ({@code -XX:SharedArchiveFile}) and start faster. Only for class paths of jars: CDS refuses directories.
 *
 * <p>An archive never makes a worker misbehave: its key is a hash of the whole worker command (java, options,
 * absolute class path), of the JVM's build and of every jar's size and modification time; before a pool maps it,
 * its content must match the digest in its name (a truncated or overwritten archive makes the JVM die of SIGBUS)
 * and, once per archive in this JVM, a trial {@code java -Xshare:on ... -version} must accept it (an archive of
 * another class path or JVM). One that fails is deleted and recorded anew; a worker that maps it and fails to
 * start discards it too. Workers run with CDS logging off, so no CDS warning becomes a worker's "last output".
 * Files: see {@link CdsFiles}.
 */
public final class ClassDataSharing {

    private static final Logger LOG = Logs.logger(ClassDataSharing.class);
    private static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    private static final Set<String> PROBED = ConcurrentHashMap.newKeySet();

    private final CdsFiles files;
    private final String key;
    private final AtomicBoolean training = new AtomicBoolean();
    private volatile Path archive;

    private ClassDataSharing(CdsFiles files, String key, Path archive) {
        this.files = files;
        this.key = key;
        this.archive = archive;
    }

    /**
     * The archive for this worker command, or null when the class path is not all jars or the directory cannot be
     * trusted (logged).
     *
     * @param command   the worker command: java first, {@code -cp} and the class path in it
     * @param classpath the class path, absolute entries
     */
    public static ClassDataSharing forWorkers(Path directory, List<String> command, String classpath) {
        String key;
        try {
            key = key(command, classpath);
            if (key == null) {
                return null;
            }
        } catch (IOException e) {
            LOG.debug("no class-data sharing for the workers: {}", e.toString());
            return null;
        }
        CdsFiles files;
        try {
            files = CdsFiles.open(directory);
            files.clean();
        } catch (IOException e) {
            LOG.warn("no class-data sharing for the workers: {}", e.getMessage());
            return null;
        }
        return new ClassDataSharing(files, key, usable(files, key, command));
    }

    /** The newest archive of {@code key} that is the user's, intact and accepted by the JVM; the others deleted. */
    private static Path usable(CdsFiles files, String key, List<String> command) {
        try {
            for (Path a : files.archives(key)) {
                String problem = CdsFiles.untrusted(a, false);
                if (problem == null && !CdsFiles.intact(a)) {
                    problem = "does not match its digest (truncated or overwritten)";
                }
                if (problem == null && !probe(a, command)) {
                    problem = "is refused by the JVM (built for another JVM or class path)";
                }
                if (problem == null) {
                    CdsFiles.touch(a);
                    return a;
                }
                (problem.startsWith("is owned") || problem.startsWith("is writable") ? LOG.atWarn() : LOG.atDebug())
                        .log("class-data sharing archive {} {}: deleted, to be recorded anew", a, problem);
                Files.deleteIfExists(a);
            }
        } catch (IOException e) {
            LOG.debug("class-data sharing archives of {} unreadable: {}", files.directory(), e.toString());
        }
        return null;
    }

    /**
     * Once per archive in this JVM: does {@code java -Xshare:on} with the worker's options accept it? (The name holds
     * the content's digest, checked before, so the path identifies the content.)
     */
    private static boolean probe(Path archive, List<String> command) throws IOException {
        String id = archive.toString();
        if (PROBED.contains(id)) {
            return true;
        }
        int cp = command.indexOf("-cp");
        List<String> trial = new ArrayList<>();
        trial.add(command.get(0));
        trial.add("-XX:SharedArchiveFile=" + archive);
        trial.addAll(command.subList(1, cp + 2));
        trial.addAll(List.of("-Xshare:on", "-XX:ErrorFile=/dev/null", "-XX:-CreateCoredumpOnCrash", "-version"));
        Process p = new ProcessBuilder(trial).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return false;
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return false;
        }
        boolean ok = p.exitValue() == 0;
        if (ok) {
            PROBED.add(id);
        }
        return ok;
    }

    /** Hash of the command, the JVM's build and each jar's path, size and time; null unless the class path is jars. */
    static String key(List<String> command, String classpath) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(String.join("\0", command).getBytes(StandardCharsets.UTF_8));
        sha.update(jvmIdentity(command.get(0)).getBytes(StandardCharsets.UTF_8));
        for (String entry : classpath.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!entry.endsWith(".jar") || !Files.isRegularFile(p)) {
                return null;
            }
            sha.update(("\0" + p.toAbsolutePath() + "\0" + Files.size(p) + "\0"
                    + Files.getLastModifiedTime(p).toMillis()).getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    /** The JVM behind {@code java}: its real path, its release file and its libjvm's size and time. */
    private static String jvmIdentity(String java) throws IOException {
        Path exe = Path.of(java);
        if (!java.contains("/")) {
            return java;  // found on PATH by the spawn; the trial start still checks the archive
        }
        Path home = exe.toRealPath().getParent().getParent();
        StringBuilder id = new StringBuilder(home.toString());
        Path release = home.resolve("release");
        if (Files.isRegularFile(release)) {
            id.append('\0').append(Files.readString(release));
        }
        Path jvm = home.resolve("lib/server/libjvm.so");
        if (Files.isRegularFile(jvm)) {
            id.append('\0').append(Files.size(jvm)).append('\0').append(Files.getLastModifiedTime(jvm).toMillis());
        }
        return id.toString();
    }

    /** The default place: $XDG_CACHE_HOME/procpool/cds, or ~/.cache/procpool/cds. */
    public static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("procpool").resolve("cds");
    }

    /** The archive workers map now, or null while there is none. */
    public Path archive() {
        return archive;
    }

    /**
     * The JVM options for the next worker: map the archive if there is one; else, for one worker at a time, record
     * it (into a temporary file that {@link #recorded} moves into place); else none.
     */
    public List<String> optionsFor(long unique) {
        Path a = archive;
        List<String> out = new ArrayList<>(QUIET);
        if (a != null) {
            out.add("-XX:SharedArchiveFile=" + a);
            return out;
        }
        if (training.compareAndSet(false, true)) {
            out.add("-XX:ArchiveClassesAtExit=" + files.temporary(key, unique));
            return out;
        }
        return List.of();
    }

    /** Whether these options (from {@link #optionsFor}) record the archive. */
    public static boolean records(List<String> options) {
        return options.stream().anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit="));
    }

    /** Whether these options map the archive. */
    public static boolean maps(List<String> options) {
        return options.stream().anyMatch(o -> o.startsWith("-XX:SharedArchiveFile="));
    }

    /** After the recording worker exited: moves its archive into place (it exists only after a clean exit). */
    public void recorded(long unique) {
        Path tmp = files.temporary(key, unique);
        try {
            Path kept = files.keep(key, tmp);
            if (kept != null) {
                archive = kept;
                LOG.debug("class-data sharing archive for the workers written: {}", kept);
            }
        } catch (IOException e) {
            LOG.debug("could not keep the class-data sharing archive {}: {}", tmp, e.toString());
        } finally {
            training.set(false);
        }
    }

    /** A worker that mapped the archive failed to start: the archive is deleted, the next worker records anew. */
    public void failedStart() {
        Path a = archive;
        if (a == null) {
            return;
        }
        archive = null;
        try {
            Files.deleteIfExists(a);
            LOG.debug("class-data sharing archive {} deleted after a failed worker start", a);
        } catch (IOException e) {
            LOG.debug("could not delete the class-data sharing archive {}: {}", a, e.toString());
        }
    }
}
