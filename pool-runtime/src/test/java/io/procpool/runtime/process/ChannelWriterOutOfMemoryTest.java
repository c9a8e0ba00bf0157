package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A frame appended is never reported as not sent: when the socket is full and asking the loop for EPOLLOUT runs out
 * of memory, append returns (the frame goes out with the next flush). Before, the error came out of append with the
 * frame in the buffer: the dispatcher failed the task as unsent, the worker ran it all the same, and its answer for a
 * task it "did not hold" got it killed as a protocol breaker.
 */
@Timeout(60)
class ChannelWriterOutOfMemoryTest {

    @Test
    void aFrameAppendedToAFullSocketIsSentWhenArmingTheWriteRunsOutOfMemory() throws Exception {
        int[] sv = new int[2];
        assertThat(C.socketpair(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0, sv)).isZero();
        FullHeapQueue queue = new FullHeapQueue();
        EventLoop loop = new EventLoop("cw-oom", new TaskQueue(queue));
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            loop.execute(() -> {  // the loop runs no task meanwhile: its spill stays full
                busy.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            queue.full = true;
            for (int i = 0; i < TaskQueue.SPILL; i++) {
                loop.execute(() -> { });
            }
            ChannelWriter w = new ChannelWriter(sv[0], loop, () -> { });
            byte[] head = new byte[10];
            byte[] body = new byte[3 << 20];  // over what the socket takes: EAGAIN, then EPOLLOUT is asked for
            assertThatCode(() -> assertThat(w.append(head, head.length, body, true)).isNull())
                    .doesNotThrowAnyException();
            queue.full = false;
            release.countDown();
            long expected = 4L + head.length + body.length;
            AtomicLong received = new AtomicLong();
            Thread reader = new Thread(() -> {
                byte[] buf = new byte[1 << 16];
                while (received.get() < expected) {
                    long n = C.read(sv[1], buf, buf.length);
                    if (n <= 0) {
                        return;
                    }
                    received.addAndGet(n);
                }
            });
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.get() < expected && System.nanoTime() < deadline) {
                w.flush();  // the dispatcher's flush after its pass: asks for EPOLLOUT now
                w.onWritable();  // what the loop does on EPOLLOUT (this writer is not registered with it)
                Thread.sleep(1);
            }
            assertThat(received.get()).as("the frame went out whole").isEqualTo(expected);
            reader.join(5_000);
        } finally {
            release.countDown();
            C.close(sv[0]);
            C.close(sv[1]);
            loop.close();
        }
    }
}
