package io.procpool.runtime.supervise;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.MessageHandler;
import io.procpool.runtime.process.ProcessSpec;
import io.procpool.runtime.process.Redirect;

/**
 * What one worker process is started from, per its kind: procpool's JVM worker (channel at fd 0, a class-data sharing archive when
 * there is one), a protocol worker (channel at fd 3, its frame limit and heartbeat period in its environment), or a
 * line-mode worker (no channel: requests on stdin, replies on stdout). What the process then says and does goes to
 * the {@link WorkerHandler}. I/O thread ({@link Supervisor} spawns the spec on its launch thread).
 */
public final class Launcher {

    /** The system property with the bytes of a JVM worker's shared-memory ring (0: the socket). */
    public static final String SHARED_RING_PROPERTY = "procpool.sharedRing";
    private static final int SHARED_RING = 256 << 10;

    private final String pool;
    private final WorkerKind kind;
    private final List<String> command;
    private final Path directory;
    private final boolean inheritEnvironment;
    private final Map<String, String> environment;
    private final int maxMessageSize;
    private final int sharedRing;
    private final Duration heartbeatTimeout;
    private final ClassDataSharing cds;
    private final AtomicLong ids = new AtomicLong();

    /**
     * @param command          the worker command, without argv[0]'s name
     * @param directory        the workers' working directory, or null
     * @param heartbeatTimeout null for no heartbeat
     * @param cds              the JVM workers' class-data sharing, or null
     */
    public Launcher(String pool, WorkerKind kind, List<String> command, Path directory, boolean inheritEnvironment,
                    Map<String, String> environment, int maxMessageSize, Duration heartbeatTimeout,
                    ClassDataSharing cds) {
        this.pool = pool;
        this.kind = kind;
        this.command = command;
        this.directory = directory;
        this.inheritEnvironment = inheritEnvironment;
        this.environment = environment;
        this.maxMessageSize = maxMessageSize;
        this.heartbeatTimeout = heartbeatTimeout;
        this.cds = cds;
        this.sharedRing = kind == WorkerKind.JVM ? sharedRing() : 0;
    }

    /**
     * What a JVM worker sends (answers, STARTED marks, events, heartbeats) goes through a ring in shared memory,
     * 256 KiB unless {@code -Dprocpool.sharedRing} says otherwise; 0 sends it on the socket.
     */
    private static int sharedRing() {
        String v = System.getProperty(SHARED_RING_PROPERTY);
        if (v == null) {
            return SHARED_RING;
        }
        try {
            int bytes = Integer.parseInt(v.trim());
            if (bytes == 0 || bytes >= (64 << 10) && bytes <= (64 << 20) && Integer.bitCount(bytes) == 1) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("system property " + SHARED_RING_PROPERTY + "=" + v + ": 0 (the socket)"
                + " or a power of two from 65536 to 67108864 bytes");
    }

    /** The largest frame either way, header included. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * I/O thread: what {@code w} is started from: its command (with the CDS options of the moment: {@code w}'s CDS
     * state is set here), environment, channel and handlers. The spawn itself may then run on another thread.
     */
    public <W extends WorkerProcess<W>> ProcessSpec spec(W w, WorkerHandler<W> handler) {
        List<String> argv = command;
        long unique = ids.incrementAndGet() ^ System.nanoTime();
        List<String> cdsOptions = cds == null ? List.of() : cds.optionsFor(unique);
        if (!cdsOptions.isEmpty()) {
            argv = new ArrayList<>(argv);
            argv.addAll(1, cdsOptions);
            w.cdsRecording = ClassDataSharing.records(cdsOptions) ? unique : 0;
            w.cdsMapped = ClassDataSharing.maps(cdsOptions);
        }
        ProcessSpec.Builder b = ProcessSpec.builder(argv);
        if (directory != null) {
            b.directory(directory);
        }
        b.name(w.id)
                .inheritEnvironment(inheritEnvironment)
                .env(environment)
                .env("PROCPOOL_WORKER", w.id)
                .stdout(Redirect.LOG)
                .stderr(Redirect.LOG)
                .maxMessageSize(maxMessageSize);
        if (w.cdsRecording != 0) {
            // the JVM's own lines about the recording (an AOT cache's assembly prints six) all name its file
            b.quietLines(cds.recording(w.cdsRecording).toString());
        }
        switch (kind) {
            case JVM -> b.argv0("procpool:" + pool + ":" + (w.slot >= 0 ? Integer.toString(w.slot + 1) : "spare"))
                    .channelFd(0).sharedRing(sharedRing);
            case PROTOCOL -> {
                b.env("PROCPOOL_MAX_FRAME", Integer.toString(maxMessageSize));
                if (heartbeatTimeout != null) {
                    b.env("PROCPOOL_HEARTBEAT_MILLIS", Long.toString(Health.heartbeatMillis(heartbeatTimeout)));
                }
            }
            case LINE -> b.noChannel().stdin(Redirect.PIPE).stdoutLines(line -> handler.onLine(w, line),
                    () -> handler.onChannelEnd(w, "stdout"));
        }
        return b
                .onMessage(new MessageHandler() {
                    @Override
                    public void onMessage(ChildProcess child, ByteBuffer message) {
                        handler.onMessage(w, message);
                    }

                    @Override
                    public void onOversize(ChildProcess child, long size) {
                        handler.onOversize(w, size);
                    }

                    @Override
                    public void onEnd(ChildProcess child) {
                        handler.onChannelEnd(w, "channel");
                    }
                })
                .onExit(status -> handler.onExit(w, status))
                .build();
    }
}
