package io.procpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.procpool.Task;
import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a worker JVM is started with: the default heap, added and replaced options, forwarded properties. */
@ExtendWith(NoChildLeft.class)
class WorkerJvmTest {

    @Test
    void theDefaultHeapIsOneJvmsDefaultSharedByEveryWorker() {
        assertThat(WorkerJvm.defaultHeapMiB(8L << 30, 4)).isEqualTo(512);      // 8 GiB / 4 = 2 GiB for 4 workers
        assertThat(WorkerJvm.defaultHeapMiB(24L << 30, 3)).isEqualTo(2048);
        assertThat(WorkerJvm.defaultHeapMiB(1L << 30, 16)).isEqualTo(64);       // never below 64 MiB
        assertThat(WorkerJvm.setsHeap(List.of("-XX:+UseSerialGC", "-Xmx1g"))).isTrue();
        assertThat(WorkerJvm.setsHeap(List.of("-XX:MaxRAMPercentage=10"))).isTrue();
        assertThat(WorkerJvm.setsHeap(List.of("-Xms64m"))).isFalse();
    }

    @Test
    void aWorkerGetsTheDefaultHeapOfItsShare() throws Exception {
        long expected = WorkerJvm.defaultHeapMiB(WorkerJvm.totalMemory(), 3) << 20;
        try (TaskPool pool = TaskPool.builder().name("heap").minWorkers(1).maxWorkers(2).spares(1).build()) {
            long max = pool.submit(() -> Runtime.getRuntime().maxMemory()).get(60, TimeUnit.SECONDS);
            // SerialGC reports the heap less one survivor space
            assertThat(max).isLessThanOrEqualTo(expected).isGreaterThan(expected * 8 / 10);
            assertThat(cmdlines()).allMatch(c -> c.contains(" -Xmx" + (expected >> 20) + "m "));
        }
    }

    @Test
    void addedOptionsKeepTheDefaultsAndAHeapOptionReplacesTheDefaultHeap() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("added").workers(1).addJvmOptions("-Xmx96m", "-Dadded.by=test")
                .build()) {
            long max = pool.submit(() -> Runtime.getRuntime().maxMemory()).get(60, TimeUnit.SECONDS);
            assertThat(max).isLessThanOrEqualTo(96L << 20).isGreaterThan(80L << 20);
            assertThat(pool.submit(() -> System.getProperty("added.by")).get(60, TimeUnit.SECONDS)).isEqualTo("test");
            assertThat(cmdlines()).singleElement().satisfies(c -> assertThat(c)
                    .contains(" -XX:+UseSerialGC ", " -Xmx96m ").doesNotContainPattern("-Xmx\\d+m .*-Xmx"));
        }
    }

    @Test
    void workersCompileLaterByDefaultAndAnAddedOptionOverridesIt() throws Exception {
        Task<Double> scaling = () -> Double.valueOf(java.lang.management.ManagementFactory
                .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("CompileThresholdScaling").getValue());
        try (TaskPool pool = TaskPool.builder().name("jit").workers(1).build()) {
            assertThat(pool.submit(scaling).get(60, TimeUnit.SECONDS)).isEqualTo(10.0);
        }
        try (TaskPool pool = TaskPool.builder().name("jit").workers(1)
                .addJvmOptions("-XX:CompileThresholdScaling=1").build()) {
            assertThat(pool.submit(scaling).get(60, TimeUnit.SECONDS)).isEqualTo(1.0);
        }
    }

    @Test
    void theWorkersOwnPerTaskPathKeepsTheJvmsThresholdsAndSaysNothingOfIt() throws Exception {
        // Serialization.deserialize (once per task) was seen at C2 after 7,000 tasks with the per-method options and
        // after 71,000-86,000 with the global 10x alone (session 27 review): 30,000 tasks, then a wait for the
        // compile queue, which a loaded machine delays in time but not in tasks (a probe every 200 ms: some 300 more)
        Task<Boolean> deserializeAtC2 = () -> {
            String codelist = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerCodelist",
                    new Object[] {null}, new String[] {String[].class.getName()});
            return codelist.lines().map(l -> l.trim().split("\\s+")).anyMatch(f -> f.length > 3 && f[1].equals("4")
                    && f[3].startsWith("io.procpool.runtime.wire.Serialization.deserialize("));
        };
        try (TaskPool pool = TaskPool.builder().name("hotpath").workers(1).build()) {
            boolean compiled = false;
            for (int batch = 0; batch < 30 && !compiled; batch++) {  // 30,000 tasks at most
                List<io.procpool.TaskFuture<Integer>> fs = new java.util.ArrayList<>();
                for (int i = 0; i < 1_000; i++) {
                    fs.add(pool.submit(() -> 1));
                }
                for (io.procpool.TaskFuture<Integer> f : fs) {
                    f.get(60, TimeUnit.SECONDS);
                }
                compiled = pool.submit(deserializeAtC2).get(60, TimeUnit.SECONDS);
            }
            if (!compiled) {  // C2 compiles in the background: queued by now, done once its thread gets a core
                org.awaitility.Awaitility.await("Serialization.deserialize compiled by C2 within 30,000 tasks")
                        .atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(200))
                        .until(() -> pool.submit(deserializeAtC2).get(60, TimeUnit.SECONDS));
            }
        }
        // the per-method options print nothing on the worker's standard output
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(TaskPool.Builder.DEFAULT_JVM_OPTIONS);
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(out).isEmpty();
    }

    @Test
    void jvmOptionsReplaceTheDefaults() throws Exception {
        try (TaskPool pool = TaskPool.builder().name("replaced").workers(1).jvmOptions(List.of("-Xmx80m")).build()) {
            assertThat(pool.submit(() -> Runtime.getRuntime().maxMemory()).get(60, TimeUnit.SECONDS))
                    .isLessThanOrEqualTo(80L << 20);
            assertThat(cmdlines()).singleElement().satisfies(c -> assertThat(c).doesNotContain("UseSerialGC")
                    .contains("--add-opens=java.base/java.lang.invoke=ALL-UNNAMED"));
        }
    }

    @Test
    void systemPropertiesAreForwardedByKeyAndByPrefixOnly() throws Exception {
        System.setProperty("wjt.region", "eu-west");
        System.setProperty("wjt.app.tier", "gold");
        System.setProperty("wjt.app.name", "thumbs with spaces");
        System.setProperty("wjt.secret", "not forwarded");
        try (TaskPool pool = TaskPool.builder().name("props").workers(1).forwardSystemProperties("wjt.region",
                "wjt.unset").forwardSystemPropertiesWithPrefix("wjt.app.").build()) {
            Task<String> read = () -> Arrays.asList(System.getProperty("wjt.region"),
                    System.getProperty("wjt.app.tier"), System.getProperty("wjt.app.name"),
                    System.getProperty("wjt.secret"), System.getProperty("wjt.unset")).toString();
            assertThat(pool.submit(read).get(60, TimeUnit.SECONDS))
                    .isEqualTo("[eu-west, gold, thumbs with spaces, null, null]");
        } finally {
            for (String k : List.of("wjt.region", "wjt.app.tier", "wjt.app.name", "wjt.secret")) {
                System.clearProperty(k);
            }
        }
    }

    @Test
    void forwardingSkipsWhatTheWorkerJvmSetsItself() {
        Properties host = new Properties();
        host.setProperty("java.home", "/elsewhere");
        host.setProperty("user.dir", "/here");
        host.setProperty("java.library.path", "/opt/lib");
        host.setProperty("procpool.capacity", "9");
        assertThat(WorkerJvm.forwarded(host, List.of(), List.of("java.", "user.", "procpool.")))
                .containsExactly("-Djava.library.path=/opt/lib");
    }

    @Test
    void wrongSettingsFailAtTheSetterNamingFieldAndValue() {
        TaskPool.Builder b = TaskPool.builder();
        assertThatThrownBy(() -> b.addJvmOptions("Xmx1g")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("addJvmOptions").hasMessageContaining("'Xmx1g'");
        assertThatThrownBy(() -> b.jvmOptions(List.of("-cp"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jvmOptions").hasMessageContaining("classpath(...)");
        assertThatThrownBy(() -> b.forwardSystemProperties("java.home")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forwardSystemProperties").hasMessageContaining("'java.home'");
        assertThatThrownBy(() -> b.forwardSystemProperties("a=b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a=b'");
        assertThatThrownBy(() -> b.forwardSystemPropertiesWithPrefix(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forwardSystemPropertiesWithPrefix");
        assertThatThrownBy(() -> b.javaCommand(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("javaCommand");
    }

    @Test
    void workersGetTheOptionsTheirJavaVersionNeeds() {
        assertThat(WorkerJvm.required(17)).containsExactly("--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
        assertThat(WorkerJvm.required(25)).contains("--sun-misc-unsafe-memory-access=allow")
                .doesNotContain("--enable-native-access=ALL-UNNAMED");
        assertThat(WorkerJvm.featureVersion(Path.of(System.getProperty("java.home"), "bin", "java").toString()))
                .isEqualTo(Runtime.version().feature());
        assertThat(WorkerJvm.featureVersion("/no/such/java")).isZero();
    }

    /** The command lines of this JVM's children, arguments separated by spaces (and one at the end). */
    static List<String> cmdlines() {
        return ProcessHandle.current().children().map(p -> {
            try {
                return Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).replace('\0', ' ');
            } catch (IOException e) {
                return "";
            }
        }).toList();
    }
}
