package io.procpool.examples.cli;

import io.procpool.runtime.TaskPool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code procpool} command: {@code java -jar procpool-examples.jar demo}, {@code ... run -- COMMAND}. A
 * sub-command is one class, listed in {@code subcommands}; the error handling here serves them all: a usage error is
 * one line on stderr and exit 2, a failure one line (no stack trace) and exit 1.
 */
@Command(name = "procpool", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runs procpool's programs: pools of worker processes.",
        subcommands = {DemoCommand.class, RunCommand.class, NodeCommand.class, DlqCommand.class})
public final class Main implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a sub-command is needed, for example 'procpool demo'");
    }

    /** The command line with procpool's error handling; {@link #main} runs it, tests too. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main())
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler(Main::failure);
        // everything from the worker command on is the command's: 'run python3 -u w.py' needs no '--'
        cl.getSubcommands().get("run").setStopAtPositional(true);
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** One line: the command, what is wrong, where to read more. No usage dump: it would bury the line. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        cl.getErr().println(name + ": " + e.getMessage() + " (see '" + name + " --help')");
        cl.getErr().flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** A sub-command failed (a pool could not start its workers, say): its message, without the stack trace. */
    private static int failure(Exception e, CommandLine cl, ParseResult parsed) {
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
        if (e instanceof io.lettuce.core.RedisConnectionException) {
            message = withCauses(e, message);
        }
        cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": " + message);
        cl.getErr().flush();
        return 1;
    }

    /**
     * Lettuce says only "Unable to connect to host:port" whatever went wrong: why (WRONGPASS, NOAUTH, a TLS handshake
     * against a plain server, connection refused) is in its causes. The messages of at most four, each once.
     */
    static String withCauses(Throwable e, String message) {
        StringBuilder m = new StringBuilder(message);
        Throwable c = e.getCause();
        for (int i = 0; i < 4 && c != null && c != e; i++, c = c.getCause()) {
            String cm = c.getMessage() != null ? c.getMessage() : c.getClass().getName();
            if (m.indexOf(cm) < 0) {
                m.append(": ").append(cm);
            }
        }
        return m.toString();
    }

    /** The version of the procpool jars on the class path, when they carry one. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TaskPool.class.getPackage().getImplementationVersion();
            return new String[] {"procpool " + (v != null ? v : "(development build)")};
        }
    }
}
