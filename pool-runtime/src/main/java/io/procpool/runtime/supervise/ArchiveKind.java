package io.procpool.runtime.supervise;

import java.nio.file.Path;
import java.util.List;

/**
 * The two kinds of archive a worker JVM can record and map. Both are recorded by a worker when it exits, from what
 * that worker ran (its warm-up, its initializer, its tasks), into a file the manager then moves into place.
 */
enum ArchiveKind {

    /**
     * A dynamic AppCDS archive (JDK 13+): the classes the worker loaded, parsed and verified. Recorded with
     * {@code -XX:ArchiveClassesAtExit}, mapped with {@code -XX:SharedArchiveFile}.
     */
    DYNAMIC_CDS(".jsa", "-XX:ArchiveClassesAtExit=", "-XX:SharedArchiveFile=", "-Xshare:on",
            List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off"), "class-data sharing archive"),

    /**
     * Project Leyden's AOT cache (JDK 25+, JEPs 483, 514 and 515): the classes loaded <em>and linked</em>, with the
     * method profiles of the run, so that a new worker both starts and warms up sooner. Recorded in one step with
     * {@code -XX:AOTCacheOutput} (at exit the JVM writes its configuration next to the output and runs a second JVM
     * that assembles the cache; the worker exits when it is done), mapped with {@code -XX:AOTCache}.
     */
    AOT_CACHE(".aot", "-XX:AOTCacheOutput=", "-XX:AOTCache=", "-XX:AOTMode=on",
            List.of("-Xlog:aot=off", "-Xlog:cds=off"), "AOT cache");

    /** The first Java feature version whose JVM records an AOT cache in one step ({@code -XX:AOTCacheOutput}). */
    static final int AOT_SINCE = 25;

    final String suffix;
    private final String record;
    private final String map;
    /** The option that makes a JVM fail when it cannot map the archive: the trial start's. */
    final String required;
    /** Options that keep the JVM quiet about the archive, so that no such line becomes a worker's last output. */
    final List<String> quiet;
    final String description;

    ArchiveKind(String suffix, String record, String map, String required, List<String> quiet, String description) {
        this.suffix = suffix;
        this.record = record;
        this.map = map;
        this.required = required;
        this.quiet = quiet;
        this.description = description;
    }

    /**
     * The kind for a worker java of this feature version (0 when unknown: the archive every JDK 13+ takes) and
     * these options: a dynamic archive where the user's options already choose how the JVM shares classes
     * ({@code -Xshare:on}, a CDS archive or class list, AOT options), with which {@code -XX:AOTCacheOutput} refuses
     * to start.
     */
    static ArchiveKind forFeature(int feature, List<String> options) {
        boolean ownSharing = options.stream().anyMatch(o -> o.startsWith("-Xshare:")
                || o.startsWith("-XX:SharedArchiveFile=") || o.startsWith("-XX:SharedClassListFile=")
                || o.contains("DumpLoadedClassList") || o.startsWith("-XX:AOT")
                || o.contains("AutoCreateSharedArchive"));
        return feature >= AOT_SINCE && !ownSharing ? AOT_CACHE : DYNAMIC_CDS;
    }

    String recordOption(Path file) {
        return record + file;
    }

    String mapOption(Path file) {
        return map + file;
    }

    /** Whether these options record an archive of either kind. */
    static boolean records(List<String> options) {
        return options.stream().anyMatch(o -> o.startsWith(DYNAMIC_CDS.record) || o.startsWith(AOT_CACHE.record));
    }

    /** Whether these options map an archive of either kind. */
    static boolean maps(List<String> options) {
        return options.stream().anyMatch(o -> o.startsWith(DYNAMIC_CDS.map) || o.startsWith(AOT_CACHE.map));
    }
}
