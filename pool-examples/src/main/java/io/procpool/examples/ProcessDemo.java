package io.procpool.examples;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.procpool.ExitStatus;
import io.procpool.ProcessExitedException;
import io.procpool.Signal;
import io.procpool.runtime.process.ChildProcess;
import io.procpool.runtime.process.ProcessSpec;
import io.procpool.runtime.process.Redirect;
import io.procpool.runtime.process.Spawner;

/**
 * The process layer in one minute: spawns a few children, talks to them over their message channel and their
 * pipes, kills one, reaps them all and shows what happened.
 */
public final class ProcessDemo {

    private ProcessDemo() {
    }

    public static void main(String[] args) throws Exception {
        try (Spawner spawner = Spawner.create("demo")) {
            // 1. A Java child speaking whole messages on its channel (here at fd 0, opened with inheritedChannel()).
            ChildProcess java = spawner.spawn(ProcessSpec.builder(javaCommand(EchoWorker.class))
                    .argv0("procpool:demo:java").channelFd(0).build());
            for (String word : List.of("spawn", "push", "pop")) {
                java.push(word.getBytes(StandardCharsets.UTF_8));
                say("java  %-7d push %-6s -> pop %s", java.pid(), word, new String(java.pop(), StandardCharsets.UTF_8));
            }

            // 2. cat with its stdin and stdout redirected to pipes: write, then read.
            ChildProcess cat = spawner.spawn(ProcessSpec.builder("cat").noChannel()
                    .stdin(Redirect.PIPE).stdout(Redirect.PIPE).build());
            cat.write("bytes through a pipe\n".getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[256];
            int n = cat.read(buf);
            say("cat   %-7d write/read -> %s", cat.pid(), new String(buf, 0, n, StandardCharsets.UTF_8).trim());

            // 3. A sleeper, probed with signal 0 and then killed.
            ChildProcess sleeper = spawner.spawn(ProcessSpec.builder("sleep", "1000").noChannel().build());
            say("sleep %-7d alive (kill 0): %s", sleeper.pid(), sleeper.kill(0));
            sleeper.kill(Signal.SIGTERM);

            // 4. A child that fails: its stderr is relayed to the log and its last lines are kept.
            ChildProcess failing = spawner.spawn(ProcessSpec.builder("sh", "-c", "echo 'disk full' >&2; exit 3")
                    .noChannel().build());

            // 5. Ask the Java child and cat to finish, then reap everybody as they exit.
            java.shutdownChannel();
            cat.closeStdin();
            for (int i = 0; i < 4; i++) {
                Optional<ExitStatus> st = spawner.waitAny(true);
                st.ifPresent(s -> say("reaped %-7d %s", s.pid(), s));
            }
            say("failing child's last stderr line: %s", failing.lastLines());
            try {
                java.pop();
            } catch (ProcessExitedException e) {
                say("pop on a dead child fails at once: %s", e.getMessage());
            }
            say("spawned %d, reaped %d, still running %d", spawner.spawnedCount(), spawner.reapedCount(),
                    spawner.liveCount());
        }
        say("spawner closed; children of this JVM left, alive or zombie: %d", ProcessHandle.current().children().count());
    }

    private static List<String> javaCommand(Class<?> main) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), main.getName());
    }

    private static void say(String format, Object... args) {
        System.out.println(String.format(format, args));
    }
}
