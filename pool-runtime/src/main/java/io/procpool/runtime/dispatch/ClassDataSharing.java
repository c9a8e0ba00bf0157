package io.procpool.runtime.dispatch;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An AppCDS archive for the worker JVMs (Java 17's dynamic archive): a worker with no archive yet records the
 * classes it loaded when it exits ({@code -XX:ArchiveClassesAtExit}); later workers map them
 * ({@code -XX:SharedArchiveFile}) and start faster. The archive's name is a hash of the java executable, the JVM
 * options and every class path jar's path, size and modification time, so a rebuilt jar gets a new archive
 * (a stale one would be ignored by the JVM anyway). Only for class paths of jars: CDS refuses directories.
 */
public final class ClassDataSharing {

    private static final Logger LOG = LoggerFactory.getLogger(ClassDataSharing.class);

    private final Path archive;
    private final AtomicBoolean training = new AtomicBoolean();

    private ClassDataSharing(Path archive) {
        this.archive = archive;
    }

    /** An archive for this worker command, or null when the class path is not all jars. */
    public static ClassDataSharing forWorkers(Path directory, String java, List<String> jvmOptions, String classpath) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(java.getBytes(StandardCharsets.UTF_8));
            sha.update(String.join("\0", jvmOptions).getBytes(StandardCharsets.UTF_8));
            for (String entry : classpath.split(File.pathSeparator)) {
                Path p = Path.of(entry);
                if (!entry.endsWith(".jar") || !Files.isRegularFile(p)) {
                    return null;
                }
                sha.update((p.toAbsolutePath() + "\0" + Files.size(p) + "\0" + Files.getLastModifiedTime(p).toMillis())
                        .getBytes(StandardCharsets.UTF_8));
            }
            Files.createDirectories(directory);
            return new ClassDataSharing(directory.resolve(HexFormat.of().formatHex(sha.digest(), 0, 16) + ".jsa"));
        } catch (IOException | NoSuchAlgorithmException e) {
            LOG.debug("no class-data sharing for the workers: {}", e.toString());
            return null;
        }
    }

    /** The default place: $XDG_CACHE_HOME/procpool/cds, or ~/.cache/procpool/cds. */
    public static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("procpool").resolve("cds");
    }

    public Path archive() {
        return archive;
    }

    /**
     * The JVM option for the next worker: map the archive if it exists; else, for one worker at a time, record it
     * (into a temporary file that {@link #recorded} moves into place). Null: no option.
     */
    String optionFor(long unique) {
        if (Files.isRegularFile(archive)) {
            return "-XX:SharedArchiveFile=" + archive;
        }
        if (training.compareAndSet(false, true)) {
            return "-XX:ArchiveClassesAtExit=" + temporary(unique);
        }
        return null;
    }

    private Path temporary(long unique) {
        return archive.resolveSibling(archive.getFileName() + "." + unique + ".tmp");
    }

    /** After the recording worker exited: moves its archive into place (it exists only after a clean exit). */
    void recorded(long unique) {
        Path tmp = temporary(unique);
        try {
            if (Files.isRegularFile(tmp) && Files.size(tmp) > 0) {
                Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                LOG.debug("class-data sharing archive for the workers written: {}", archive);
            } else {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            LOG.debug("could not keep the class-data sharing archive {}: {}", tmp, e.toString());
        } finally {
            training.set(false);
        }
    }
}
