package io.procpool.runtime.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import io.procpool.runtime.worker.WorkerMain;
import org.junit.jupiter.api.Test;

/** The worker JVM's entry point, named by the supervision layer as a string, is the worker program's class. */
class JvmWorkerTest {

    @Test
    void mainClassIsTheWorkerProgram() {
        assertThat(JvmWorker.MAIN_CLASS).isEqualTo(WorkerMain.class.getName());
    }

    @Test
    void mainClassHasAPublicStaticVoidMain() throws Exception {
        Method main = Class.forName(JvmWorker.MAIN_CLASS).getMethod("main", String[].class);
        assertThat(Modifier.isPublic(main.getModifiers())).isTrue();
        assertThat(Modifier.isStatic(main.getModifiers())).isTrue();
        assertThat(main.getReturnType()).isEqualTo(void.class);
    }

    @Test
    void mainResourceIsTheClassFileOnTheClassPath() {
        assertThat(JvmWorker.MAIN_RESOURCE).isEqualTo(WorkerMain.class.getName().replace('.', '/') + ".class");
        assertThat(JvmWorker.class.getClassLoader().getResource(JvmWorker.MAIN_RESOURCE)).isNotNull();
    }
}
