package io.procpool.runtime.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which archive a worker records, by its java and options, and the fall-back when recordings leave nothing. */
class ArchiveKindTest {

    @TempDir
    Path dir;

    @Test
    void jdk25AndLaterRecordAnAotCacheUnlessTheOptionsChooseTheirOwnSharing() {
        assertThat(ArchiveKind.forFeature(17, List.of())).isEqualTo(ArchiveKind.DYNAMIC_CDS);
        assertThat(ArchiveKind.forFeature(24, List.of())).isEqualTo(ArchiveKind.DYNAMIC_CDS);
        assertThat(ArchiveKind.forFeature(0, List.of())).as("unknown java").isEqualTo(ArchiveKind.DYNAMIC_CDS);
        assertThat(ArchiveKind.forFeature(25, List.of("-XX:+UseSerialGC"))).isEqualTo(ArchiveKind.AOT_CACHE);
        assertThat(ArchiveKind.forFeature(26, List.of())).isEqualTo(ArchiveKind.AOT_CACHE);
        for (String own : List.of("-Xshare:on", "-Xshare:auto", "-XX:SharedArchiveFile=/x.jsa", "-XX:AOTCache=/x.aot",
                "-XX:+AutoCreateSharedArchive")) {
            assertThat(ArchiveKind.forFeature(25, List.of(own))).as(own).isEqualTo(ArchiveKind.DYNAMIC_CDS);
        }
    }

    @Test
    void theDefaultXshareAutoIsDroppedOnlyWhereAnAotCacheIsRecorded() {
        List<String> defaults = List.of("-XX:+UseSerialGC", "-Xshare:auto");
        assertThat(ClassDataSharing.compatible(defaults, 25)).containsExactly("-XX:+UseSerialGC");
        assertThat(ClassDataSharing.compatible(defaults, 17)).isEqualTo(defaults);
        assertThat(ClassDataSharing.compatible(List.of("-Xshare:on"), 25)).containsExactly("-Xshare:on");
    }

    @Test
    void recordingsThatLeaveNothingFallBackFromTheAotCacheToADynamicArchiveThenToNone() throws Exception {
        Path jar = dir.resolve("app.jar");
        new JarOutputStream(Files.newOutputStream(jar)).close();
        List<String> command = List.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java", "-cp", jar.toString(), "Main");
        ClassDataSharing c = ClassDataSharing.forWorkers(dir.resolve("cds"), command, jar.toString(), 25);
        long unique = 0;
        for (int i = 0; i < 2 * ClassDataSharing.MAX_FAILED_RECORDINGS; i++) {
            assertThat(c.optionsFor(++unique)).anyMatch(o -> o.startsWith("-XX:AOTCacheOutput="));
            c.recorded(unique, false);  // killed, or never started: the next one records, nothing counts
        }
        for (int i = 0; i < ClassDataSharing.MAX_FAILED_RECORDINGS; i++) {
            assertThat(c.kind()).isEqualTo(ArchiveKind.AOT_CACHE);
            List<String> options = c.optionsFor(++unique);
            assertThat(options).contains("-Xlog:aot=off").anyMatch(o -> o.startsWith("-XX:AOTCacheOutput="));
            assertThat(c.optionsFor(unique + 1000)).as("one recording at a time").isEmpty();
            c.recorded(unique, true);  // exited by itself, no cache
        }
        assertThat(c.kind()).isEqualTo(ArchiveKind.DYNAMIC_CDS);
        for (int i = 0; i < ClassDataSharing.MAX_FAILED_RECORDINGS; i++) {
            assertThat(c.optionsFor(++unique)).anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit="));
            c.recorded(unique, true);
        }
        assertThat(c.optionsFor(++unique)).as("given up: no archive options at all").isEmpty();
    }
}
