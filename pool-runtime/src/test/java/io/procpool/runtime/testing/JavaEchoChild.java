package io.procpool.runtime.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A Java child for the process-layer tests: takes its channel at fd 0 with {@code System.inheritedChannel()}
 * (pure JDK, no native code) and echoes every message; "exit:N" exits with N. Exits 0 at end of stream.
 */
public final class JavaEchoChild {

    public static void main(String[] args) throws IOException {
        SocketChannel ch = (SocketChannel) System.inheritedChannel();
        if (ch == null) {
            System.err.println("no inherited channel on fd 0");
            System.exit(96);
        }
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(ch)));
        DataOutputStream out = new DataOutputStream(Channels.newOutputStream(ch));
        while (true) {
            int len;
            try {
                len = in.readInt();
            } catch (EOFException eof) {
                System.exit(0);
                return;
            }
            byte[] msg = new byte[len];
            in.readFully(msg);
            String s = new String(msg, StandardCharsets.UTF_8);
            if (s.startsWith("exit:")) {
                System.exit(Integer.parseInt(s.substring(5)));
            }
            out.writeInt(len);
            out.write(msg);
            out.flush();
        }
    }
}
