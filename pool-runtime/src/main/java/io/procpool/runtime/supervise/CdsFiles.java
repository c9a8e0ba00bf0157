package io.procpool.runtime.supervise;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files of class-data sharing, trusted only when they are the user's own: a directory created 0700 (whatever
 * the umask) and refused when another user owns it or others may write it; archives named
 * {@code <key>-<sha256 prefix>.jsa} (an AOT cache: {@code .aot}) so that a truncated or overwritten archive is
 * known before a JVM maps it;
 * written under a temporary name and moved into place; stale temporary files of dead managers removed; at most
 * {@link #MAX_ARCHIVES} archives kept.
 */
final class CdsFiles {

    /** Archives kept per directory: the least recently used beyond this are deleted. */
    static final int MAX_ARCHIVES = 8;
    private static final Duration STALE = Duration.ofDays(1);
    private static final Set<PosixFilePermission> OTHERS_WRITE = Set.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_WRITE);

    private final Path directory;

    private CdsFiles(Path directory) {
        this.directory = directory;
    }

    /**
     * The directory, created 0700 if missing.
     *
     * @throws IOException when it cannot be made, or is not the user's own and private (the message says why)
     */
    static CdsFiles open(Path directory) throws IOException {
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = dir.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException raced) {
                // another manager made it: checked below like any existing directory
            }
            // explicitly: the permissions given at creation pass through the umask
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        String problem = untrusted(dir, true);
        if (problem != null) {
            throw new IOException("the class-data sharing directory " + dir + " " + problem);
        }
        return new CdsFiles(dir);
    }

    /** Why {@code p} may not be trusted (not ours, writable by others, a link, wrong kind), or null. */
    static String untrusted(Path p, boolean directory) throws IOException {
        if (Files.isSymbolicLink(p)) {
            return "is a symbolic link";
        }
        if (directory ? !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                : !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return directory ? "is not a directory" : "is not a regular file";
        }
        int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != myUid()) {
            return "is owned by uid " + owner + ", not by this user (uid " + myUid() + ")";
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        if (perms.stream().anyMatch(OTHERS_WRITE::contains)) {
            return "is writable by others (" + PosixFilePermissions.toString(perms) + ")";
        }
        return null;
    }

    private static int myUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    Path directory() {
        return directory;
    }

    /** The archives of {@code key} with this suffix present, newest first. */
    List<Path> archives(String key, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(directory)) {
            return s.filter(p -> p.getFileName().toString().startsWith(key + "-")
                            && p.getFileName().toString().endsWith(suffix))
                    .sorted(Comparator.comparing(CdsFiles::modified).reversed()).toList();
        }
    }

    /** Whether the archive's content has the digest its name promises. */
    static boolean intact(Path archive) throws IOException {
        String name = archive.getFileName().toString();
        String promised = name.substring(name.lastIndexOf('-') + 1, name.lastIndexOf('.'));
        return promised.equals(digest(archive));
    }

    /** Where a recording worker of this manager writes: {@code <key>.<manager pid>.<unique>.tmp}. */
    Path temporary(String key, long unique) {
        return directory.resolve(key + "." + ProcessHandle.current().pid() + "." + Long.toHexString(unique) + ".tmp");
    }

    /** Moves a recorded temporary archive into place under its digest name (private, atomic); null if empty. */
    Path keep(String key, Path tmp, String suffix) throws IOException {
        if (!Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS) || Files.size(tmp) == 0) {
            Files.deleteIfExists(tmp);
            return null;
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Path archive = directory.resolve(key + "-" + digest(tmp) + suffix);
        Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        prune();
        return archive;
    }

    /**
     * Deletes what a JVM recording an AOT cache into {@code tmp} leaves when it is killed before the cache is
     * assembled: its training configuration, {@code <tmp>.config}.
     */
    void discardConfiguration(Path tmp) {
        try {
            Files.deleteIfExists(tmp.resolveSibling(tmp.getFileName() + ".config"));
        } catch (IOException ignored) {
            // clean() takes it once this manager is gone
        }
    }

    /** Marks an archive as just used (pruning keeps the most recently used). */
    static void touch(Path archive) {
        try {
            Files.setLastModifiedTime(archive, FileTime.from(Instant.now()));
        } catch (IOException ignored) {
            // pruning may then take it a little early
        }
    }

    /** Deletes temporary files whose manager is gone (or older than a day) and archives beyond the newest few. */
    void clean() throws IOException {
        Instant old = Instant.now().minus(STALE);
        try (Stream<Path> s = Files.list(directory)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String[] parts = p.getFileName().toString().split("\\.");
                boolean temporary = parts.length == 4 && parts[3].equals("tmp")
                        || parts.length == 5 && parts[3].equals("tmp") && parts[4].equals("config");
                if (temporary) {
                    boolean managerGone;
                    try {
                        managerGone = ProcessHandle.of(Long.parseLong(parts[1])).isEmpty();
                    } catch (NumberFormatException e) {
                        managerGone = true;
                    }
                    if (managerGone || modified(p).toInstant().isBefore(old)) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        prune();
    }

    private void prune() throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.list(directory)) {
            all = s.filter(p -> p.getFileName().toString().endsWith(".jsa")
                            || p.getFileName().toString().endsWith(".aot"))
                    .sorted(Comparator.comparing(CdsFiles::modified).reversed()).toList();
        }
        for (Path p : all.subList(Math.min(all.size(), MAX_ARCHIVES), all.size())) {
            Files.deleteIfExists(p);
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException gone) {
            return FileTime.fromMillis(0);
        }
    }

    /** The first 16 bytes of the file's SHA-256, in hex. */
    static String digest(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
