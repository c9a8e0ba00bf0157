package io.procpool.runtime.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import io.procpool.runtime.wire.Serialization;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * The misbehaving worker of src/test/python/hostile_worker.py: a command that stands in for {@code java} (a TaskPool's
 * {@code javaCommand}) or for any protocol worker, and the Kryo bytes it can be told to send.
 */
public final class Hostile {

    public static final Path SCRIPT = Path.of("src/test/python/hostile_worker.py").toAbsolutePath();
    private static final Serialization KRYO = new Serialization(List.of(), Hostile.class.getClassLoader());

    private Hostile() {
    }

    /** An executable in {@code dir} that runs the hostile worker, whatever arguments it is given. */
    public static Path command(Path dir) throws IOException {
        Path sh = dir.resolve("hostile.sh");
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3 -S" : "python3";
        Files.writeString(sh, "#!/bin/sh\nexec " + python + " '" + SCRIPT + "'\n");
        Files.setPosixFilePermissions(sh, PosixFilePermissions.fromString("rwxr-xr-x"));
        return sh;
    }

    /** Writes the steps (one per TASK, in order) to a file for HOSTILE_SCRIPT. */
    public static Path script(Path dir, String... steps) throws IOException {
        Path f = dir.resolve("steps.txt");
        Files.writeString(f, String.join("\n", steps) + "\n");
        return f;
    }

    /** The RESULT body of {@code value}, as a worker would send it, in hex. */
    public static String result(Object value) {
        return HexFormat.of().formatHex(KRYO.serialize(value));
    }

    /** A RESULT body naming an {@code Object[2147483646]}: an array of three with its length varint forged. */
    public static String hugeArray() {
        return HexFormat.of().formatHex(forgeCount(new Object[] {1, 2, 3}, new Object[] {1, 2, 3, 4, 5}, false));
    }

    /**
     * The Kryo bytes of {@code three} (a value holding 3 elements) with its element count replaced by 2^31 - 1:
     * the count is the first byte in which they differ from those of {@code five} (the same with 5 elements).
     * {@code flagged}: the count is a string's, whose first byte carries a flag bit.
     */
    public static byte[] forgeCount(Object three, Object five, boolean flagged) {
        byte[] a = KRYO.serialize(three);
        byte[] b = KRYO.serialize(five);
        int at = 0;
        while (a[at] == b[at]) {
            at++;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(a, 0, at);
        out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) (flagged ? 0x0f : 0x07)});
        out.write(a, at + 1, a.length - at - 1);
        return out.toByteArray();
    }

    public record Node(Node next, int value) {
    }

    /** A RESULT body of a {@code depth}-deep chain of {@link Node}s, written by a Kryo with no depth limit. */
    public static String deepChain(int depth) throws InterruptedException {
        return HexFormat.of().formatHex(deepChainBytes(depth));
    }

    public static byte[] deepChainBytes(int depth) throws InterruptedException {
        byte[][] out = new byte[1][];
        Thread t = new Thread(null, () -> {
            Node n = null;
            for (int i = 0; i < depth; i++) {
                n = new Node(n, i);
            }
            Kryo k = new Kryo();
            k.setRegistrationRequired(false);
            k.setReferences(true);
            k.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
            Output o = new Output(1 << 20, -1);
            k.writeClassAndObject(o, n);
            out[0] = o.toBytes();
        }, "deep-writer", 1L << 30);
        t.start();
        t.join();
        return out[0];
    }
}
