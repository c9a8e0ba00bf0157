package io.procpool.runtime.worker;

import io.procpool.runtime.process.ChildProcess;
import jnr.posix.POSIX;

/** A deliberate layering violation, only for {@code LayersCanFailTest}: the worker naming the process layer and jnr. */
final class LayeringProbe {

    ChildProcess child;
    POSIX posix;

    private LayeringProbe() {
    }
}
