package io.procpool.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a child writes to its logged streams cannot drive a terminal or forge log lines. */
class EscapeTest {

    @Test
    void controlCharactersAreWrittenOutAndTheRestIsKept() {
        assertThat(OutputRelay.escapeControls("plain text\twith tab, ünïcode")).isEqualTo("plain text\twith tab, ünïcode");
        assertThat(OutputRelay.escapeControls("\u001b[2Jgone\u0000\r\u007f\u009b"))
                .isEqualTo("\\x1b[2Jgone\\x00\\x0d\\x7f\\x9b");
        assertThat(OutputRelay.escapeControls("abc\u202edcba")).isEqualTo("abc\\u202edcba");
        String same = "nothing to escape";
        assertThat(OutputRelay.escapeControls(same)).isSameAs(same);
    }
}
