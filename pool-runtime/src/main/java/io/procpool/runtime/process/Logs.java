package io.procpool.runtime.process;

import java.io.PrintStream;

import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * procpool's loggers: SLF4J's when the application has an SLF4J provider; without one (SLF4J would drop
 * everything), a small logger that prints to this JVM's stdout/stderr so that workers' output and procpool's
 * warnings are never lost. Internal; public only for procpool's own packages.
 */
public final class Logs {

    private static final boolean NO_PROVIDER = noProvider(LoggerFactory.getILoggerFactory());

    private Logs() {
    }

    static boolean noProvider(ILoggerFactory factory) {
        return factory instanceof NOPLoggerFactory;
    }

    /** The logger of a procpool class: without a provider, WARN and ERROR go to stderr. */
    public static Logger logger(Class<?> owner) {
        return NO_PROVIDER ? new Fallback(owner.getName(), Level.WARN, System.err, "procpool ")
                : LoggerFactory.getLogger(owner);
    }

    /**
     * The logger of a child's relayed stream ({@code io.procpool.child.<name>}): without a provider, its lines (each
     * already prefixed with the child's name) go to this JVM's stdout or stderr, as the child wrote them.
     */
    static Logger child(String name, boolean stderr) {
        String logger = "io.procpool.child." + name;
        return NO_PROVIDER ? new Fallback(logger, Level.INFO, stderr ? System.err : System.out, "")
                : LoggerFactory.getLogger(logger);
    }

    /**
     * Logs an error caught on a thread that must go on (the I/O loop, a completer): a line that cannot be written, for
     * want of memory, is dropped rather than thrown at that thread, which would die of it with every task it serves.
     * Fixed arities: a varargs array would be made at the call, outside this guard.
     */
    public static void error(Logger log, String message, Throwable t) {
        try {
            log.error(message, t);
        } catch (Throwable lost) {  // OutOfMemoryError while formatting or printing: the line is lost, not the thread
            // nothing to do: any try to say so would need memory too
        }
    }

    /** {@link #error(Logger, String, Throwable)} with one argument, such as the owner's name. */
    public static void error(Logger log, String format, Object arg, Throwable t) {
        try {
            log.error(format, arg, t);
        } catch (Throwable lost) {  // as above
            // nothing to do
        }
    }

    /** Prints enabled levels, one line per call (and the stack trace of a throwable), to a stream. */
    static final class Fallback extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        private final transient Level threshold;
        private final transient PrintStream out;
        private final String tag;

        Fallback(String name, Level threshold, PrintStream out, String tag) {
            this.name = name;
            this.threshold = threshold;
            this.out = out;
            this.tag = tag;
        }

        private boolean on(Level level) {
            return level.toInt() >= threshold.toInt();
        }

        @Override
        public boolean isTraceEnabled() {
            return on(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return on(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return on(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return on(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return on(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, org.slf4j.Marker marker, String pattern,
                                                   Object[] arguments, Throwable throwable) {
            String text = MessageFormatter.basicArrayFormat(pattern, arguments);
            String line = tag.isEmpty() ? text : tag + level + " " + text;
            synchronized (out) {
                out.println(line);
                if (throwable != null) {
                    throwable.printStackTrace(out);
                }
            }
        }
    }
}
