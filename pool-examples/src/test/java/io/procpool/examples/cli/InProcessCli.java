package io.procpool.examples.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

import io.procpool.runtime.testing.NoChildLeft;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** Runs the CLI in this JVM with its output captured; restores the log level the commands set. */
@ExtendWith(NoChildLeft.class)
abstract class InProcessCli {

    private static final String LOG_LEVEL = "org.slf4j.simpleLogger.log.io.procpool";

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    private final String logLevel = System.getProperty(LOG_LEVEL);

    @AfterEach
    void restoreLogLevel() {
        if (logLevel == null) {
            System.clearProperty(LOG_LEVEL);
        }
    }

    /** Runs {@code procpool <args>} as {@code main} would; returns its exit code, output in out and err. */
    int execute(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        System.out.print(out);
        System.err.print(err);
        return exit;
    }
}
