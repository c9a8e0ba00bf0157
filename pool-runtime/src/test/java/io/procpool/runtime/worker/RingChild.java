package io.procpool.runtime.worker;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A child for the shared-ring tests: reads messages from its socket at fd 0 and answers through the worker's
 * {@link RingOut}, as a JVM worker does. Commands: {@code echo:X} answers X; {@code burst:N} answers "0" to "N-1";
 * {@code closeafter:N} answers "0" to "N-1", then closes its socket and lives on; {@code big:N} answers N bytes (byte i is i mod 251); {@code half} publishes half of a message, then exits 3;
 * {@code badtail} publishes a write position past the ring's capacity and rings; {@code truncate} tries to shrink the
 * shared memory and answers "sealed" or "truncated"; {@code exit:N} exits N.
 */
public final class RingChild {

    private RingChild() {
    }

    public static void main(String[] args) throws IOException {
        OutputStream out = RingOut.open(FileDescriptor.in);
        if (!(out instanceof RingOut)) {
            System.err.println("no shared ring in " + RingOut.FD_ENV);
            System.exit(96);
        }
        DataInputStream in = new DataInputStream(new FileInputStream(FileDescriptor.in));
        while (true) {
            byte[] msg;
            try {
                msg = new byte[in.readInt()];
            } catch (EOFException eof) {
                System.exit(0);
                return;
            }
            in.readFully(msg);
            String s = new String(msg, StandardCharsets.UTF_8);
            String arg = s.substring(s.indexOf(':') + 1);
            if (s.startsWith("echo:")) {
                send(out, arg.getBytes(StandardCharsets.UTF_8));
            } else if (s.startsWith("burst:")) {
                for (int i = 0; i < Integer.parseInt(arg); i++) {
                    send(out, Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                }
            } else if (s.startsWith("closeafter:")) {
                for (int i = 0; i < Integer.parseInt(arg); i++) {
                    send(out, Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                }
                in.close();  // its socket: the channel's end, while it lives on until it is killed
                while (true) {
                    java.util.concurrent.locks.LockSupport.park();
                }
            } else if (s.startsWith("big:")) {
                byte[] big = new byte[Integer.parseInt(arg)];
                for (int i = 0; i < big.length; i++) {
                    big[i] = (byte) (i % 251);
                }
                send(out, big);
            } else if (s.equals("half")) {
                out.write(new byte[] {0, 0, 0, 8, 1, 2, 3, 4});
                System.exit(3);
            } else if (s.equals("badtail")) {
                try (FileChannel ch = ring()) {
                    MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, RingOut.DATA);
                    map.order(ByteOrder.nativeOrder()).putLong(RingOut.TAIL, map.getLong(RingOut.TAIL) + (1L << 40));
                }
                new FileOutputStream(FileDescriptor.in).write(1);  // rings, without publishing its own position
            } else if (s.equals("truncate")) {
                String what;
                try (FileChannel ch = ring()) {
                    ch.truncate(RingOut.DATA);
                    what = ch.size() == RingOut.DATA ? "truncated" : "sealed";
                } catch (IOException e) {
                    what = "sealed";
                }
                send(out, what.getBytes(StandardCharsets.UTF_8));
            } else if (s.startsWith("exit:")) {
                System.exit(Integer.parseInt(arg));
            }
        }
    }

    private static FileChannel ring() throws IOException {
        return FileChannel.open(Path.of("/proc/self/fd/" + System.getenv(RingOut.FD_ENV)), StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    private static void send(OutputStream out, byte[] body) throws IOException {
        byte[] frame = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
        out.write(frame);
    }
}
