package io.procpool.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.procpool.Codec;
import io.procpool.PoolFailedException;
import io.procpool.runtime.ExecPool;
import io.procpool.runtime.testing.Children;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The environment and directory a worker gets, and settings that cannot work, refused before any spawn. */
@ExtendWith(NoChildLeft.class)
class WorkerSettingsTest {

    /** A line worker that answers each variable name with its value in its environment, or "unset". */
    private static ExecPool.Builder<String, String> printenv() {
        return ExecPool.builder(Codec.utf8(), Codec.utf8()).name("env").workers(1).lineMode()
                .command("sh", "-c", "while read n; do eval \"v=\\${$n-unset}\"; echo \"$v\"; done");
    }

    private static List<String> ask(ExecPool<String, String> pool, String... names) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        for (String n : names) {
            out.add(pool.submit(n).get(30, TimeUnit.SECONDS));
        }
        return out;
    }

    @Test
    void workersInheritTheHostsEnvironmentUnlessToldOtherwise() throws Exception {
        String home = System.getenv("HOME");
        assertThat(home).isNotNull();
        try (ExecPool<String, String> pool = printenv().env("EXTRA", "x").build()) {
            assertThat(ask(pool, "HOME", "EXTRA", "PROCPOOL_WORKER")).containsExactly(home, "x", "env-1");
        }
        try (ExecPool<String, String> pool = printenv().env("EXTRA", "x").inheritEnvironment(false).build()) {
            // (not PATH: sh puts a default one in place when there is none)
            assertThat(ask(pool, "HOME", "EXTRA", "PROCPOOL_WORKER")).containsExactly("unset", "x", "env-1");
        }
        try (ExecPool<String, String> pool = printenv().inheritEnvironment("HOME", "NO_SUCH_VARIABLE_HERE")
                .env("EXTRA", "y").build()) {
            assertThat(ask(pool, "HOME", "NO_SUCH_VARIABLE_HERE", "EXTRA")).containsExactly(home, "unset", "y");
        }
        String other = System.getenv().keySet().stream().filter(k -> !k.equals("HOME") && !k.equals("PATH")
                && !k.equals("PWD") && !k.equals("SHLVL") && !k.startsWith("PROCPOOL_")).findFirst().orElseThrow();
        try (ExecPool<String, String> pool = printenv().build()) {
            assertThat(ask(pool, other)).containsExactly(System.getenv(other));
        }
        try (ExecPool<String, String> pool = printenv().inheritEnvironment("HOME").build()) {
            assertThat(ask(pool, other)).containsExactly("unset");
        }
    }

    @Test
    void impossibleEnvironmentsAndDirectoriesAreRefusedAtOnceNamingTheSetting(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> printenv().env("A=B", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("env key").hasMessageContaining("'A=B'");
        assertThatThrownBy(() -> printenv().env("", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("env key");
        assertThatThrownBy(() -> printenv().env("A\0B", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL");
        assertThatThrownBy(() -> printenv().env("A", "x\0y")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("env value of A");
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> printenv().directory(missing).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("directory " + missing).hasMessageContaining("does not exist");
        Path file = Files.writeString(dir.resolve("file"), "");
        assertThatThrownBy(() -> printenv().directory(file).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a directory");
        assertThat(Children.ofThisJvm()).isEmpty();  // nothing was spawned
    }

    /** Control characters in a worker's output reach the log and crash messages escaped, never raw. */
    @Test
    void controlCharactersInWorkerOutputAreEscaped() {
        assertThatThrownBy(() -> ExecPool.builder(Codec.utf8(), Codec.utf8()).name("esc").workers(1)
                .command("sh", "-c", "printf 'a\\033[31mred\\001z\\n' >&2; exit 3").build())
                .isInstanceOf(PoolFailedException.class).hasMessageContaining("a\\x1b[31mred\\x01z")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u001b"));
    }
}
