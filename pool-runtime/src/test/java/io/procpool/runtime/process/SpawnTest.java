package io.procpool.runtime.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.procpool.SpawnException;
import io.procpool.runtime.testing.NoChildLeft;
import io.procpool.runtime.testing.TestPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What a spawned child gets: descriptors, signal state, process group, argv[0], environment, directory. */
@ExtendWith(NoChildLeft.class)
class SpawnTest {

    private static ProcessSpec.Builder cEcho() {
        return ProcessSpec.builder(TestPrograms.c("echo_child").toString());
    }

    /** Blocks until the child has answered once: it is past exec and start-up. */
    private static void ready(ChildProcess child) throws InterruptedException {
        child.push("ping".getBytes(UTF_8));
        assertThat(new String(child.pop(), UTF_8)).isEqualTo("ping");
    }

    private static List<Integer> fdsOf(int pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.map(p -> Integer.parseInt(p.getFileName().toString())).sorted().collect(Collectors.toList());
        }
    }

    private static long statusField(int pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseUnsignedLong(line.substring(field.length() + 1).trim(), 16);
            }
        }
        throw new IllegalStateException(field + " not in /proc/" + pid + "/status");
    }

    @Test
    void childHasOnlyStdioAndTheChannelOpen() throws Exception {
        try (Spawner spawner = Spawner.create("fds")) {
            // several children at once: none may hold another's channel or pipes
            ChildProcess a = spawner.spawn(cEcho().stdin(Redirect.PIPE).stdout(Redirect.PIPE).build());
            ChildProcess b = spawner.spawn(cEcho().build());
            ready(a);
            ready(b);
            assertThat(fdsOf(a.pid())).containsExactly(0, 1, 2, 3);
            assertThat(fdsOf(b.pid())).containsExactly(0, 1, 2, 3);
            b.push("fds".getBytes(UTF_8));
            assertThat(new String(b.pop(), UTF_8).trim().split(" ")).containsExactlyInAnyOrder("0", "1", "2", "3");
        }
    }

    @Test
    void childWithoutChannelHasOnlyStdio() throws Exception {
        try (Spawner spawner = Spawner.create("fds")) {
            ChildProcess cat = spawner.spawn(ProcessSpec.builder("cat").noChannel()
                    .stdin(Redirect.PIPE).stdout(Redirect.PIPE).build());
            cat.write("x\n".getBytes(UTF_8));
            byte[] buf = new byte[8];
            assertThat(cat.read(buf)).isEqualTo(2);  // cat has started and answered
            assertThat(fdsOf(cat.pid())).containsExactly(0, 1, 2);
        }
    }

    @Test
    void childStartsWithAnEmptySignalMaskAndDefaultDispositions() throws Exception {
        try (Spawner spawner = Spawner.create("sig")) {
            ChildProcess child = spawner.spawn(cEcho().build());
            ready(child);
            int pid = child.pid();
            assertThat(statusField(pid, "SigBlk")).as("blocked signals").isZero();
            // signals 1..31; glibc keeps its internal real-time signals 32 and 33 for itself
            assertThat(statusField(pid, "SigIgn") & 0x7fffffffL).as("ignored standard signals").isZero();
            // the JVM's own threads block SIGQUIT: a plain spawn would have passed that on
        }
    }

    @Test
    void childLeadsItsOwnProcessGroup() throws Exception {
        try (Spawner spawner = Spawner.create("pgrp")) {
            ChildProcess child = spawner.spawn(cEcho().build());
            ready(child);
            String stat = Files.readString(Path.of("/proc/" + child.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertThat(Integer.parseInt(f[2])).as("pgid").isEqualTo(child.pid());
        }
    }

    @Test
    void argv0NamesTheChildInPs() throws Exception {
        try (Spawner spawner = Spawner.create("argv")) {
            ChildProcess child = spawner.spawn(cEcho().argv0("procpool:thumbs:3").build());
            ready(child);
            String cmdline = Files.readString(Path.of("/proc/" + child.pid() + "/cmdline"));
            assertThat(cmdline.split("\0")[0]).isEqualTo("procpool:thumbs:3");
        }
    }

    @Test
    void environmentAndDirectoryAreAsAsked(@TempDir Path dir) throws Exception {
        try (Spawner spawner = Spawner.create("env")) {
            ChildProcess inherit = spawner.spawn(ProcessSpec.builder("sh", "-c",
                            "echo \"$PROCPOOL_FD|$MODE|$HOME|$(pwd)\"")
                    .env("MODE", "batch").directory(dir).stdout(Redirect.PIPE).build());
            String line = new String(inherit.stdout().readAllBytes(), UTF_8).trim();
            assertThat(line).isEqualTo("3|batch|" + System.getenv("HOME") + "|" + dir.toRealPath());

            ChildProcess clean = spawner.spawn(ProcessSpec.builder("/bin/sh", "-c", "echo \"[$HOME][$ONLY]\"")
                    .inheritEnvironment(false).env("ONLY", "me").noChannel().stdout(Redirect.PIPE).build());
            assertThat(new String(clean.stdout().readAllBytes(), UTF_8).trim()).isEqualTo("[][me]");
            assertThat(inherit.waitFor().success()).isTrue();
            assertThat(clean.waitFor().success()).isTrue();
        }
    }

    @Test
    void outputCanGoToFilesAndInputComeFromOne(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "one\ntwo\n");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        try (Spawner spawner = Spawner.create("files")) {
            ChildProcess child = spawner.spawn(ProcessSpec.builder("sh", "-c", "cat; echo oops >&2").noChannel()
                    .stdin(Redirect.file(in)).stdout(Redirect.file(out)).stderr(Redirect.appendTo(err)).build());
            assertThat(child.waitFor().success()).isTrue();
            ChildProcess again = spawner.spawn(ProcessSpec.builder("sh", "-c", "echo again >&2").noChannel()
                    .stderr(Redirect.appendTo(err)).build());
            assertThat(again.waitFor().success()).isTrue();
        }
        assertThat(Files.readString(out)).isEqualTo("one\ntwo\n");
        assertThat(Files.readAllLines(err)).containsExactly("oops", "again");
    }

    @Test
    void aMissingCommandFailsAtOnceWithItsNameAndErrno(@TempDir Path dir) throws IOException {
        Path notExecutable = Files.writeString(dir.resolve("plain.txt"), "not a program");
        Path garbage = Files.writeString(dir.resolve("garbage"), "\u0001\u0002 no #! line");
        garbage.toFile().setExecutable(true);
        try (Spawner spawner = Spawner.create("missing")) {
            assertThatThrownBy(() -> spawner.spawn(ProcessSpec.builder("no-such-program-xyz").build()))
                    .isInstanceOf(SpawnException.class)
                    .hasMessageContaining("no-such-program-xyz")
                    .hasMessageContaining("No such file or directory (errno 2)")
                    .hasMessageContaining("PATH")
                    .satisfies(e -> assertThat(((SpawnException) e).errno()).isEqualTo(2));
            assertThatThrownBy(() -> spawner.spawn(ProcessSpec.builder(notExecutable.toString()).build()))
                    .isInstanceOf(SpawnException.class).hasMessageContaining("errno 13")
                    .hasMessageContaining("not executable");
            assertThatThrownBy(() -> spawner.spawn(ProcessSpec.builder(garbage.toString()).build()))
                    .isInstanceOf(SpawnException.class).hasMessageContaining("errno 8");
            assertThat(spawner.spawnedCount()).isZero();
        }
    }

    @Test
    void badSpecsFailAtBuildWithWhatToChange() {
        assertThatThrownBy(() -> ProcessSpec.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("command");
        assertThatThrownBy(() -> ProcessSpec.builder("cat").maxMessageSize(0))
                .hasMessageContaining("maxMessageSize must be 1..1073741824 bytes, was 0");
        assertThatThrownBy(() -> ProcessSpec.builder("cat").channelFd(0).stdin(Redirect.PIPE).build())
                .hasMessageContaining("channelFd 0 is the child's stdin");
        assertThatThrownBy(() -> ProcessSpec.builder("cat").stdin(Redirect.LOG))
                .hasMessageContaining("stdin cannot be LOG");
        assertThatThrownBy(() -> ProcessSpec.builder("cat").env("A=B", "c")).hasMessageContaining("no '='");
        assertThatThrownBy(() -> ProcessSpec.builder("cat").directory(Path.of("/no/such/dir")).build())
                .hasMessageContaining("/no/such/dir is not a directory");
    }

    @Test
    void descriptorsOfClosedChildrenAreReleased() throws Exception {
        long before = openFds();
        try (Spawner spawner = Spawner.create("leak")) {
            for (int i = 0; i < 200; i++) {
                try (ChildProcess c = spawner.spawn(cEcho().stdin(Redirect.PIPE).stdout(Redirect.PIPE).build())) {
                    c.push("exit:0".getBytes(UTF_8));
                    c.waitFor();
                }
            }
            assertThat(spawner.reapedCount()).isEqualTo(200);
        }
        assertThat(openFds()).isLessThanOrEqualTo(before + 2);
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
