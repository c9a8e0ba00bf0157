package io.procpool.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GNU parallel's replacement strings, and --halt's values: pure code, no process. */
class CommandTemplateTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "dir/sub/file.txt | dir/sub/file | file.txt | dir/sub | file",
        "file.tar.gz      | file.tar     | file.tar.gz | .    | file.tar",
        "/abs             | /abs         | abs      | /       | abs",
        ".hidden          | .hidden      | .hidden  | .       | .hidden",
        "a.b/c            | a.b/c        | c        | a.b     | c"})
    void replacementStringsAsParallelHasThem(String in, String noExt, String base, String dir, String baseNoExt) {
        assertThat(CommandTemplate.value("{.}", in, 1)).isEqualTo(noExt);
        assertThat(CommandTemplate.value("{/}", in, 1)).isEqualTo(base);
        assertThat(CommandTemplate.value("{//}", in, 1)).isEqualTo(dir);
        assertThat(CommandTemplate.value("{/.}", in, 1)).isEqualTo(baseNoExt);
        assertThat(CommandTemplate.value("{#}", in, 7)).isEqualTo("7");
    }

    @Test
    void wordsAreArgumentsAndOneWordWithSpacesIsAShellLineWithTheItemQuoted() {
        assertThat(CommandTemplate.of(List.of("echo", "x"))).as("no {}: persistent workers").isNull();
        assertThat(CommandTemplate.of(List.of("gzip", "-9", "pre-{}.txt")).expand("it's", 1))
                .containsExactly("gzip", "-9", "pre-it's.txt");
        assertThat(CommandTemplate.of(List.of("echo {} && echo {#}")).expand("it's; rm -rf /", 4))
                .containsExactly("sh", "-c", "echo 'it'\\''s; rm -rf /' && echo '4'");
    }

    @Test
    void haltValues() {
        assertThat(Halt.parse("never").never()).isTrue();
        assertThat(Halt.parse("now,fail=1")).isEqualTo(new Halt(true, false, 1, false));
        assertThat(Halt.parse("soon,fail=20%")).isEqualTo(new Halt(false, false, 20, true));
        assertThat(Halt.parse("2")).isEqualTo(new Halt(true, false, 1, false));
        assertThat(Halt.parse("now,success=3").reached(3, 10)).isTrue();
        assertThat(Halt.parse("soon,fail=50%").reached(2, 1)).isFalse();
        assertThat(Halt.parse("soon,fail=50%").reached(1, 1)).isTrue();
        assertThat(Halt.parse("later,fail=1")).isNull();
        assertThat(Halt.parse("now,fail=101%")).isNull();
    }
}
