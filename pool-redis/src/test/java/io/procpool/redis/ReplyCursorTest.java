package io.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A reply read again after a restart (its id at or below the highest delivered) is told from a new one. */
class ReplyCursorTest {

    @Test
    void aReplyAtOrBelowTheHighestDeliveredIsARereadAndAHigherOneIsNew() {
        ReplyCursor c = new ReplyCursor();
        assertThat(c.seen("1700000000000-0")).isFalse();
        assertThat(c.seen("1700000000000-1")).isFalse();
        assertThat(c.seen("1700000000001-0")).isFalse();
        // the restarted server's AOF still held these: read again from the start of the stream
        assertThat(c.seen("1700000000000-0")).isTrue();
        assertThat(c.seen("1700000000000-1")).isTrue();
        assertThat(c.seen("1700000000001-0")).isTrue();
        // written after the restart: a higher id, by the server's clock or sequence
        assertThat(c.seen("1700000000001-1")).isFalse();
        assertThat(c.seen("1700000000002-0")).isFalse();
        assertThat(c.seen("1700000000001-5")).isTrue();
    }

    @Test
    void idsCompareAsNumbersNotAsText() {
        ReplyCursor c = new ReplyCursor();
        assertThat(c.seen("999-9")).isFalse();
        assertThat(c.seen("1000-0")).isFalse();  // "1000-0" < "999-9" as text
        assertThat(c.seen("999-10")).isTrue();
        assertThat(c.seen("1000-10")).isFalse();  // "1000-10" < "1000-9" as text
        assertThat(c.seen("1000-9")).isTrue();
    }

    @Test
    void idsPastTwoToTheSixtyThirdCompareAsUnsignedNumbers() {
        ReplyCursor c = new ReplyCursor();
        assertThat(c.seen("1700000000000-0")).isFalse();
        // any client may XADD an explicit id this large: Redis ids are unsigned 64-bit
        assertThat(c.seen("9223372036854775808-0")).isFalse();
        assertThat(c.seen("9223372036854775808-1")).isFalse();
        assertThat(c.seen("1700000000000-1")).isTrue();
        assertThat(c.seen("18446744073709551615-18446744073709551615")).isFalse();
        assertThat(c.seen("18446744073709551615-18446744073709551615")).isTrue();
    }

    @Test
    void theLargestIdIsNewToAFreshCursor() {
        assertThat(new ReplyCursor().seen("18446744073709551615-18446744073709551615")).isFalse();
    }
}
