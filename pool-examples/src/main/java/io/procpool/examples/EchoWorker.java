package io.procpool.examples;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A tiny Java child for {@link ProcessDemo}: it finds its message channel at fd 0 with
 * {@code System.inheritedChannel()} (pure JDK, no native code in the child), answers every message with its
 * upper-case form, and exits when the manager shuts the channel down.
 */
public final class EchoWorker {

    private EchoWorker() {
    }

    public static void main(String[] args) throws IOException {
        SocketChannel channel = (SocketChannel) System.inheritedChannel();
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
        DataOutputStream out = new DataOutputStream(Channels.newOutputStream(channel));
        while (true) {
            byte[] message;
            try {
                message = new byte[in.readInt()];
            } catch (EOFException endOfStream) {
                return;  // the manager is done with us: leave
            }
            in.readFully(message);
            byte[] reply = new String(message, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT)
                    .getBytes(StandardCharsets.UTF_8);
            out.writeInt(reply.length);
            out.write(reply);
            out.flush();
        }
    }
}
