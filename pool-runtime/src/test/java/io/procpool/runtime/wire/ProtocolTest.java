package io.procpool.runtime.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * The protocol's parsing as plain units, no process: frames and their header, HELLO and ERROR bodies, and what a
 * malformed body from a worker earns. (Bounds of huge ERROR bodies and HELLO capabilities: {@link SerializationTest}.)
 */
class ProtocolTest {

    private static ByteBuffer hello(int version, long pid, int capacity, String caps) {
        ByteBuffer b = ByteBuffer.wrap(Protocol.helloBody(pid, capacity, caps));
        b.putShort(0, (short) version);
        return b;
    }

    @Test
    void aFrameIsItsLengthThenTypeFlagsReservedAndTheTaskIdBigEndianThenTheBody() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] body = "xxpayloadxx".getBytes(StandardCharsets.UTF_8);
        Protocol.writeFrame(new DataOutputStream(bytes), Protocol.RESULT, 0x0102030405060708L, body, 2, 7);

        ByteBuffer frame = ByteBuffer.wrap(bytes.toByteArray());
        assertThat(frame.getInt()).isEqualTo(Protocol.HEADER + 7);
        assertThat(Protocol.type(frame)).isEqualTo(Protocol.RESULT);
        assertThat(Protocol.task(frame)).isEqualTo(0x0102030405060708L);
        assertThat(Arrays.copyOfRange(frame.array(), 5, 8)).containsExactly(0, 0, 0);  // flags, reserved
        assertThat(new String(frame.array(), 4 + Protocol.HEADER, 7, StandardCharsets.UTF_8)).isEqualTo("payload");
        assertThat(frame.remaining()).isEqualTo(Protocol.HEADER + 7);
    }

    @Test
    void putHeaderWritesTheSameHeaderAsWriteFrameAndIsReadWhereTheBufferStands() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Protocol.writeFrame(new DataOutputStream(bytes), Protocol.CANCEL, -2L, new byte[0], 0, 0);
        byte[] written = Arrays.copyOfRange(bytes.toByteArray(), 4, 4 + Protocol.HEADER);

        byte[] b = new byte[3 + Protocol.HEADER];
        Arrays.fill(b, (byte) 0x7f);
        Protocol.putHeader(b, 3, Protocol.CANCEL, -2L);
        assertThat(Arrays.copyOfRange(b, 3, b.length)).containsExactly(written);

        ByteBuffer m = ByteBuffer.wrap(b).position(3);
        assertThat(Protocol.type(m)).isEqualTo(Protocol.CANCEL);
        assertThat(Protocol.task(m)).isEqualTo(-2L);
        assertThat(m.position()).as("reading the header moves nothing").isEqualTo(3);
    }

    @Test
    void aTypeByteAbove127IsReadUnsignedAndNamedAsUnknown() {
        byte[] b = new byte[Protocol.HEADER];
        Protocol.putHeader(b, 0, 0xfe, 1);
        assertThat(Protocol.type(ByteBuffer.wrap(b))).isEqualTo(0xfe);
        assertThat(Protocol.typeName(0xfe)).isEqualTo("unknown type 0xfe");
    }

    @Test
    void everyTypeHasItsName() {
        assertThat(IntStream.of(Protocol.HELLO, Protocol.TASK, Protocol.CANCEL, Protocol.SHUTDOWN, Protocol.RESULT,
                Protocol.ERROR, Protocol.EVENT, Protocol.HEARTBEAT, Protocol.STARTED).mapToObj(Protocol::typeName))
                .containsExactly("HELLO", "TASK", "CANCEL", "SHUTDOWN", "RESULT",
                        "ERROR", "EVENT", "HEARTBEAT", "STARTED");
    }

    @Test
    void frameLengthsAreReadUntilACleanEndOfStream() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Protocol.writeFrame(new DataOutputStream(bytes), Protocol.HEARTBEAT, 0, new byte[0], 0, 0);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        assertThat(Protocol.readLength(in)).isEqualTo(Protocol.HEADER);
        in.readFully(new byte[Protocol.HEADER]);
        assertThat(Protocol.readLength(in)).isEqualTo(-1);
    }

    @Test
    void helloCarriesVersionPidCapacityAndTrimmedCapabilities() {
        Protocol.Hello h = Protocol.readHello(hello(Protocol.VERSION, 4_000_000_000L, 16, " java, ,started ,"));
        assertThat(h.version()).isEqualTo(Protocol.VERSION);
        assertThat(h.pid()).as("the pid field is unsigned").isEqualTo(4_000_000_000L);
        assertThat(h.capacity()).isEqualTo(16);
        assertThat(h.capabilities()).isEqualTo(Set.of("java", "started"));
        assertThat(h.has("python")).isFalse();
    }

    @Test
    void aShortHelloIsRefusedSayingHowShort() {
        assertThatThrownBy(() -> Protocol.readHello(ByteBuffer.wrap(new byte[9])))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a HELLO of 9 bytes, under the 10 it needs");
        assertThatThrownBy(() -> Protocol.readHello(ByteBuffer.allocate(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 bytes");
    }

    @Test
    void aHelloOfAnotherVersionIsRefused() {
        assertThatThrownBy(() -> Protocol.readHello(hello(2, 1, 1, "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a HELLO of protocol version 2, not 1");
        assertThatThrownBy(() -> Protocol.readHello(hello(0xffff, 1, 1, "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 65535");
    }

    @Test
    void aHelloWithNoCapacityIsRefused() {
        assertThatThrownBy(() -> Protocol.readHello(hello(Protocol.VERSION, 1, 0, "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a HELLO with capacity 0");
        assertThatThrownBy(() -> Protocol.readHello(hello(Protocol.VERSION, 1, -3, "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a HELLO with capacity -3");
    }

    @Test
    void errorBodiesRoundTripAndANullMessageReadsEmpty() {
        String[] e = Protocol.readError(ByteBuffer.wrap(Protocol.errorBody("a.B", null, "at x\nat y")));
        assertThat(e).containsExactly("a.B", "", "at x\nat y");
        String[] unicode = Protocol.readError(ByteBuffer.wrap(Protocol.errorBody("C", "ünïcode ✓", "")));
        assertThat(unicode).containsExactly("C", "ünïcode ✓", "");
    }

    @Test
    void anErrorBodyCutShortSaysWhichStringHasNoLength() {
        byte[] whole = Protocol.errorBody("C", "m", "s");
        assertThatThrownBy(() -> Protocol.readError(ByteBuffer.wrap(Arrays.copyOf(whole, 5))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("string 2 of 3 has no length: 0 bytes left");
        assertThatThrownBy(() -> Protocol.readError(ByteBuffer.allocate(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("string 1 of 3 has no length: 2 bytes left");
        assertThatThrownBy(() -> Protocol.readError(ByteBuffer.wrap(Arrays.copyOf(whole, whole.length - 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("string 3 of 3 claims 1 bytes, 0 left");
    }

    @Test
    void theErrorBodyOfAThrowableWhoseMessageThrowsStillNamesItsClass() {
        RuntimeException hostile = new RuntimeException() {
            @Override
            public String getMessage() {
                throw new IllegalStateException("no message for you");
            }
        };
        String[] e = Protocol.readError(ByteBuffer.wrap(Protocol.errorBody(hostile)));
        assertThat(e[0]).isEqualTo(hostile.getClass().getName());
        assertThat(e[2]).contains("could not be written");
    }

    @Test
    void clipKeepsShortTextAndSaysWhatItCut() {
        assertThat(Protocol.clip(null, 3)).isNull();
        assertThat(Protocol.clip("abc", 3)).isEqualTo("abc");
        assertThat(Protocol.clip("abcdef", 3)).isEqualTo("abc... (6 characters, cut)");
    }
}
