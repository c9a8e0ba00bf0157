package io.procpool.runtime.supervise;

/** What a pool's workers are, and so how the engine talks to them. */
public enum WorkerKind {
    /** procpool's own worker JVM: the channel at fd 0 (read and written as a plain descriptor), Kryo payloads. */
    JVM,
    /** Any executable speaking docs/protocol.md on the channel at fd 3 (PROCPOOL_FD). */
    PROTOCOL,
    /** Any executable reading one request line on stdin and writing one reply line on stdout, in order. */
    LINE
}
