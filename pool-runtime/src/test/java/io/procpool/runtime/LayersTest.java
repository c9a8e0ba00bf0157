package io.procpool.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layers of DESIGN.md ("Layers", "Where each thing lives") as rules over pool-runtime's main classes: each
 * layer calls only down. {@link LayersCanFailTest} shows that each rule catches a violation.
 */
@AnalyzeClasses(packages = "io.procpool.runtime", importOptions = ImportOption.DoNotIncludeTests.class)
class LayersTest {

    private static final String ROOT = "io.procpool.runtime";

    /**
     * facade > metrics > dispatch > supervise > process, wire (side by side). A layer may use any layer below it,
     * never one above. {@code supervise} is optional: it does not exist until the engine is split. The worker
     * program sits beside the engine and no layer names it (supervise names its entry point as a string, see
     * {@link #FACADE_DOES_NOT_NAME_THE_WORKER}); the codecs sit beside it too, only the facade may name them. The
     * api ({@code io.procpool}) and third-party classes are outside the layers (other rules below).
     */
    @ArchTest
    static final ArchRule LAYERS = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Facade").definedBy(ROOT)
            .layer("Metrics").definedBy(ROOT + ".metrics..")
            .layer("Dispatch").definedBy(ROOT + ".dispatch..")
            .optionalLayer("Supervise").definedBy(ROOT + ".supervise..")
            .layer("Process").definedBy(ROOT + ".process..")
            .layer("Wire").definedBy(ROOT + ".wire..")
            .layer("Worker").definedBy(ROOT + ".worker..")
            .layer("Codec").definedBy(ROOT + ".codec..")
            .whereLayer("Facade").mayNotBeAccessedByAnyLayer()
            .whereLayer("Metrics").mayOnlyBeAccessedByLayers("Facade")
            .whereLayer("Dispatch").mayOnlyBeAccessedByLayers("Facade", "Metrics")
            .whereLayer("Supervise").mayOnlyBeAccessedByLayers("Facade", "Metrics", "Dispatch")
            .whereLayer("Process").mayOnlyBeAccessedByLayers("Facade", "Metrics", "Dispatch", "Supervise")
            .whereLayer("Wire").mayOnlyBeAccessedByLayers("Facade", "Metrics", "Dispatch", "Supervise", "Worker")
            .whereLayer("Worker").mayNotBeAccessedByAnyLayer()
            .whereLayer("Codec").mayNotBeAccessedByAnyLayer()
            .ensureAllClassesAreContainedInArchitecture()
            .because("each layer knows only the ones below it (DESIGN.md, Layers); a new package must be placed in a "
                    + "layer here");

    @ArchTest
    static final ArchRule WORKER_STAYS_LIGHT = noClasses().that().resideInAPackage(ROOT + ".worker..")
            .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".process..", "jnr..", "com.kenai.jffi..")
            .because("a worker JVM must not load the process layer or jnr: native code costs ~300 ms of its start-up, "
                    + "and its channel is a plain JDK SocketChannel");

    @ArchTest
    static final ArchRule FACADE_DOES_NOT_NAME_THE_WORKER = noClasses().that().resideInAPackage(ROOT)
            .should().dependOnClassesThat().resideInAPackage(ROOT + ".worker..")
            .because("the worker program runs in the worker JVM: the facade launches it through the supervision "
                    + "layer, which names its entry point (supervise.JvmWorker.MAIN_CLASS), never links its classes");

    @ArchTest
    static final ArchRule DISPATCH_DOES_NOT_REACH_METRICS = noClasses()
            .that().resideInAnyPackage(ROOT + ".dispatch..", ROOT + ".supervise..", ROOT + ".process..",
                    ROOT + ".wire..")
            .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".metrics..", "io.micrometer..")
            .because("metrics observe the engine through listeners and a stats supplier, they never steer it; and a "
                    + "pool built without a meter registry must never load a Micrometer class (it is optional)");

    @ArchTest
    static final ArchRule NATIVE_CALLS_ONLY_IN_PROCESS = noClasses().that().resideOutsideOfPackage(ROOT + ".process..")
            .should().dependOnClassesThat().resideInAnyPackage("jnr..", "com.kenai.jffi..")
            .because("native calls (jnr) live in the process layer and nowhere else");

    @ArchTest
    static final ArchRule JACKSON_ONLY_IN_CODEC = noClasses().that().resideOutsideOfPackage(ROOT + ".codec..")
            .should().dependOnClassesThat().resideInAnyPackage("com.fasterxml.jackson..")
            .because("Jackson is an optional dependency, for the JSON codec only: no other class may load it");
}
