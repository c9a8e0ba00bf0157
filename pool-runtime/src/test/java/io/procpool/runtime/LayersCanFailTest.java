package io.procpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * The layering rules catch what they are for: the main classes plus three probe classes (test sources placed in the
 * facade, dispatch and worker packages, each with one forbidden dependency) violate exactly the rules they should.
 */
class LayersCanFailTest {

    private static final JavaClasses WITH_PROBES = new ClassFileImporter()
            .withImportOption(location -> ImportOption.Predefined.DO_NOT_INCLUDE_TESTS.includes(location)
                    || location.contains("/LayeringProbe"))
            .importPackages("io.procpool.runtime");

    private static String violations(ArchRule rule) {
        EvaluationResult result = rule.evaluate(WITH_PROBES);
        return String.join("\n", result.getFailureReport().getDetails());
    }

    @Test
    void theProbesAreImported() {
        assertThat(WITH_PROBES.contain("io.procpool.runtime.dispatch.LayeringProbe")).isTrue();
        assertThat(WITH_PROBES.contain("io.procpool.runtime.worker.LayeringProbe")).isTrue();
        assertThat(WITH_PROBES.contain("io.procpool.runtime.LayeringProbe")).isTrue();
    }

    @Test
    void facadeNamingTheWorkerBreaksTheLayersAndTheSeamRule() {
        assertThat(violations(LayersTest.LAYERS)).contains("runtime.LayeringProbe", "worker.WorkerMain");
        assertThat(violations(LayersTest.FACADE_DOES_NOT_NAME_THE_WORKER))
                .contains("runtime.LayeringProbe", "worker.WorkerMain");
    }

    @Test
    void dispatchNamingMetricsBreaksTheLayersAndTheMetricsRule() {
        assertThat(violations(LayersTest.LAYERS))
                .contains("dispatch.LayeringProbe", "metrics.PoolMetrics");
        assertThat(violations(LayersTest.DISPATCH_DOES_NOT_REACH_METRICS))
                .contains("dispatch.LayeringProbe", "metrics.PoolMetrics");
    }

    @Test
    void aWorkerReachingTheProcessLayerOrJnrBreaksTheWorkerRules() {
        assertThat(violations(LayersTest.LAYERS)).contains("worker.LayeringProbe", "process.ChildProcess");
        assertThat(violations(LayersTest.WORKER_STAYS_LIGHT))
                .contains("worker.LayeringProbe", "process.ChildProcess", "jnr.posix.POSIX");
        assertThat(violations(LayersTest.NATIVE_CALLS_ONLY_IN_PROCESS)).contains("worker.LayeringProbe");
    }

    @Test
    void withoutTheProbesNothingIsViolated() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.procpool.runtime");
        for (ArchRule rule : new ArchRule[] {LayersTest.LAYERS, LayersTest.WORKER_STAYS_LIGHT,
            LayersTest.DISPATCH_DOES_NOT_REACH_METRICS, LayersTest.NATIVE_CALLS_ONLY_IN_PROCESS,
            LayersTest.JACKSON_ONLY_IN_CODEC, LayersTest.FACADE_DOES_NOT_NAME_THE_WORKER}) {
            assertThat(rule.evaluate(main).hasViolation()).as(rule.getDescription()).isFalse();
        }
    }
}
