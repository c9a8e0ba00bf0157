package io.procpool.runtime.supervise;

/**
 * procpool's own worker JVM ({@link WorkerKind#JVM}) as the manager names it: the entry point the worker command
 * runs. A name, not a class reference: the worker program runs in the worker JVM and nothing on the manager's side
 * links it (the layering test holds the facade to that). {@code JvmWorkerTest} checks the name against the class.
 */
public final class JvmWorker {

    /** The worker JVM's main class, the last word of its command ({@code java ... -cp <classpath> MAIN_CLASS}). */
    public static final String MAIN_CLASS = "io.procpool.runtime.worker.WorkerMain";

    /** {@link #MAIN_CLASS} as a class-path resource: a worker class path must hold it. */
    public static final String MAIN_RESOURCE = "io/procpool/runtime/worker/WorkerMain.class";

    private JvmWorker() {
    }
}
