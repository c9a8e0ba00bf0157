package io.procpool.runtime;

import io.procpool.runtime.worker.WorkerMain;

/** A deliberate layering violation, only for {@code LayersCanFailTest}: the facade naming the worker program. */
final class LayeringProbe {

    static final String WORKER = WorkerMain.class.getName();

    private LayeringProbe() {
    }
}
