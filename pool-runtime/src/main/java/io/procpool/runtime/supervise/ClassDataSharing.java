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
 * An archive for the worker JVMs, of the kind their java records best ({@link ArchiveKind}): on JDK 25+ an AOT cache
 * (classes loaded and linked, method profiles), before that a dynamic AppCDS archive. A worker with no archive yet
 * records it when it exits ({@code -XX:AOTCacheOutput}, {@code -XX:ArchiveClassesAtExit}): its warm-up, initializer
 * and every task it ran; later workers map it ({@code -XX:AOTCache}, {@code -XX:SharedArchiveFile}) and start and
 * warm up faster. Only for class paths of jars: CDS refuses directories. A worker that exits without leaving its
 * recording (killed, or the JVM could not write it) hands it to the next; after {@link #MAX_FAILED_RECORDINGS} in a
 * row an AOT cache falls back to a dynamic archive, and a dynamic archive to none (logged).
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
    /** Recordings in a row that may end without an archive before the pool gives that kind up. */
    static final int MAX_FAILED_RECORDINGS = 3;
    private static final Set<String> PROBED = ConcurrentHashMap.newKeySet();

    private final CdsFiles files;
    private final String key;
    private final List<String> command;
    private final AtomicBoolean training = new AtomicBoolean();
    private volatile ArchiveKind kind;
    private volatile Path archive;
    private int failedRecordings;
    private volatile boolean givenUp;

    private ClassDataSharing(CdsFiles files, String key, List<String> command, ArchiveKind kind) {
        this.files = files;
        this.key = key;
        this.command = command;
        this.kind = kind;
        this.archive = usable(files, key, command, kind);
    }

    /** A dynamic AppCDS archive for this worker command: see {@link #forWorkers(Path, List, String, int)}. */
    public static ClassDataSharing forWorkers(Path directory, List<String> command, String classpath) {
        return forWorkers(directory, command, classpath, 0);
    }

    /**
     * The archive for this worker command, or null when the class path is not all jars or the directory cannot be
     * trusted (logged).
     *
     * @param command   the worker command: java first, {@code -cp} and the class path in it
     * @param classpath the class path, absolute entries
     * @param feature   the Java feature version of the worker's java (0 when unknown): an AOT cache from 25 on
     */
    public static ClassDataSharing forWorkers(Path directory, List<String> command, String classpath, int feature) {
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
        return new ClassDataSharing(files, key, command, ArchiveKind.forFeature(feature, command));
    }

    /**
     * The worker's JVM options made fit for its archive: {@code -Xshare:auto} (the JVM's default, in
     * {@code DEFAULT_JVM_OPTIONS}) dropped where the java records an AOT cache, which refuses any {@code -Xshare}.
     */
    public static List<String> compatible(List<String> options, int feature) {
        if (ArchiveKind.forFeature(feature, List.of()) != ArchiveKind.AOT_CACHE) {
            return options;
        }
        return options.stream().filter(o -> !o.equals("-Xshare:auto")).toList();
    }

    /** The newest archive of {@code key} that is the user's, intact and accepted by the JVM; the others deleted. */
    private static Path usable(CdsFiles files, String key, List<String> command, ArchiveKind kind) {
        try {
            for (Path a : files.archives(key, kind.suffix)) {
                String problem = CdsFiles.untrusted(a, false);
                if (problem == null && !CdsFiles.intact(a)) {
                    problem = "does not match its digest (truncated or overwritten)";
                }
                if (problem == null && !probe(a, command, kind)) {
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
     * Once per archive in this JVM: does {@code java -Xshare:on} ({@code -XX:AOTMode=on}) with the worker's options
     * accept it? (The name holds the content's digest, checked before, so the path identifies the content.)
     */
    private static boolean probe(Path archive, List<String> command, ArchiveKind kind) throws IOException {
        String id = archive.toString();
        if (PROBED.contains(id)) {
            return true;
        }
        int cp = command.indexOf("-cp");
        List<String> trial = new ArrayList<>();
        trial.add(command.get(0));
        trial.add(kind.mapOption(archive));
        trial.addAll(command.subList(1, cp + 2));
        trial.addAll(List.of(kind.required, "-XX:ErrorFile=/dev/null", "-XX:-CreateCoredumpOnCrash", "-version"));
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

    /** The kind of archive the workers record and map now. */
    ArchiveKind kind() {
        return kind;
    }

    /**
     * The JVM options for the next worker: map the archive if there is one; else, for one worker at a time, record
     * it (into a temporary file that {@link #recorded} moves into place); else none.
     */
    public List<String> optionsFor(long unique) {
        Path a = archive;
        ArchiveKind k = kind;
        List<String> out = new ArrayList<>(k.quiet);
        if (a != null) {
            out.add(k.mapOption(a));
            return out;
        }
        if (!givenUp && training.compareAndSet(false, true)) {
            out.add(k.recordOption(recording(unique)));
            return out;
        }
        return List.of();
    }

    /** The temporary file that the worker given {@code unique} records into. */
    public Path recording(long unique) {
        return files.temporary(key, unique);
    }

    /** Whether these options (from {@link #optionsFor}) record the archive. */
    public static boolean records(List<String> options) {
        return ArchiveKind.records(options);
    }

    /** Whether these options map the archive. */
    public static boolean maps(List<String> options) {
        return ArchiveKind.maps(options);
    }

    /**
     * After the recording worker exited: moves its archive into place (it exists only after an exit the JVM saw:
     * {@code System.exit}, {@code Runtime.halt} or the end of {@code main}, not a SIGKILL). I/O thread.
     *
     * @param exitedItself whether the worker exited by itself (an exit status, no signal): only then does a missing
     *                     archive count as a failed recording; one killed or never started just hands the recording on
     */
    public void recorded(long unique, boolean exitedItself) {
        Path tmp = recording(unique);
        Path kept = null;
        try {
            kept = files.keep(key, tmp, kind.suffix);
            if (kept != null) {
                archive = kept;
                LOG.debug("{} for the workers written: {}", kind.description, kept);
            }
        } catch (IOException e) {
            LOG.debug("could not keep the {} {}: {}", kind.description, tmp, e.toString());
        } finally {
            files.discardConfiguration(tmp);
            if (kept != null || exitedItself) {
                failed(kept == null);
            }
            training.set(false);
        }
    }

    /** Counts recordings in a row that left nothing; past the limit, falls back to the next kind or to none. */
    private void failed(boolean failed) {
        failedRecordings = failed ? failedRecordings + 1 : 0;
        if (failedRecordings < MAX_FAILED_RECORDINGS) {
            return;
        }
        failedRecordings = 0;
        if (kind == ArchiveKind.AOT_CACHE) {
            kind = ArchiveKind.DYNAMIC_CDS;
            archive = usable(files, key, command, kind);
            LOG.warn("{} workers in a row exited without recording their AOT cache (run a worker with"
                    + " -Xlog:aot to see why): they use a dynamic class-data sharing archive instead",
                    MAX_FAILED_RECORDINGS);
        } else {
            givenUp = true;
            LOG.info("{} workers in a row exited without recording their class-data sharing archive: the pool's"
                    + " workers start without one", MAX_FAILED_RECORDINGS);
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
            LOG.debug("{} {} deleted after a failed worker start", kind.description, a);
        } catch (IOException e) {
            LOG.debug("could not delete the {} {}: {}", kind.description, a, e.toString());
        }
    }
}
