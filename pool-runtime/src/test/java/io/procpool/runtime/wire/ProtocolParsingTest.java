package io.procpool.runtime.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** HELLO and ERROR bodies and the quoting of what a worker sent, without a process. */
class ProtocolParsingTest {

    @Test
    void aHelloRoundTripsItsCapacityAndCapabilities() {
        Protocol.Hello hello = Protocol.readHello(ByteBuffer.wrap(Protocol.helloBody(42, 3, Protocol.CAP_STARTED)));
        assertThat(hello.capacity()).isEqualTo(3);
        assertThat(hello.has(Protocol.CAP_STARTED)).isTrue();
        assertThat(hello.has("other")).isFalse();
    }

    @Test
    void aShortHelloIsRefusedWithAReason() {
        assertThatThrownBy(() -> Protocol.readHello(ByteBuffer.wrap(new byte[3])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HELLO");
    }

    @Test
    void anErrorRoundTripsItsThreeStrings() {
        String[] e = Protocol.readError(ByteBuffer.wrap(Protocol.errorBody("x.Boom", "it broke", "at x.Boom")));
        assertThat(e).containsExactly("x.Boom", "it broke", "at x.Boom");
    }

    @Test
    void anErrorWithALengthPastItsEndIsRefused() {
        ByteBuffer b = ByteBuffer.allocate(8).putInt(1_000_000).putInt(0).flip();
        assertThatThrownBy(() -> Protocol.readError(b)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void hexShowsTheFirst32BytesFromThePosition() {
        byte[] bytes = new byte[40];
        bytes[1] = (byte) 0xab;
        ByteBuffer m = ByteBuffer.wrap(bytes);
        assertThat(Quoting.hex(m)).startsWith("00 ab 00").endsWith("00 ...");
        assertThat(Quoting.hex(m.position(1).limit(3))).isEqualTo("ab 00");
        assertThat(Quoting.hex(ByteBuffer.allocate(0))).isEmpty();
    }

    @Test
    void quotingEscapesNewlinesAndClipsLongLines() {
        assertThat(Quoting.quote("a\nb")).isEqualTo("'a\\nb'");
        assertThat(Quoting.quote("x".repeat(300))).hasSize(205).endsWith("...'");
    }
}
