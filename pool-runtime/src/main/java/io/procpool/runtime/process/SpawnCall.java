package io.procpool.runtime.process;

import static io.procpool.runtime.process.Native.C;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.procpool.SpawnException;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * One {@code posix_spawnp}: the child gets its own process group, an empty signal mask and default signal
 * dispositions, its standard streams as asked, the channel at its fd (3 by default), and no other descriptor
 * (closefrom). Every descriptor made here is CLOEXEC on the manager's side, so no child inherits another's.
 */
final class SpawnCall {

    /** The started child and the manager's ends of its descriptors (-1 where there is none). */
    record Started(int pid, int pidfd, int channelFd, int stdinPipe, int stdoutPipe, int stderrPipe,
                   int stdoutLog, int stderrLog, SharedRing ring) {
    }

    // posix_spawn_file_actions_t (80 B in glibc 2.36), posix_spawnattr_t (336 B) and two sigset_t (128 B), reused
    private static final ThreadLocal<Pointer> SCRATCH = ThreadLocal.withInitial(() -> Native.allocate(2304));

    private final ProcessSpec spec;
    private final List<Integer> opened = new ArrayList<>();
    private final List<Integer> childEnds = new ArrayList<>();
    private final int[] parentEnd = {-1, -1, -1};
    private int channelParent = -1;
    private SharedRing ring;
    private int ringTarget = -1;

    private SpawnCall(ProcessSpec spec) {
        this.spec = spec;
    }

    static Started start(ProcessSpec spec) {
        return new SpawnCall(spec).run();
    }

    private Started run() {
        String program = spec.command().get(0);
        if (spec.stdin().kind() == Redirect.Kind.FILE && !Files.isReadable(spec.stdin().path())) {
            throw new SpawnException("cannot start " + program + ": its stdin file " + spec.stdin().path()
                    + " does not exist or is not readable", 2);
        }
        Pointer scratch = SCRATCH.get();
        Pointer fa = scratch.slice(0, 1024);
        Pointer attr = scratch.slice(1024, 1024);
        Pointer empty = scratch.slice(2048, 128);
        Pointer all = scratch.slice(2176, 128);
        check(C.posix_spawn_file_actions_init(fa), "posix_spawn_file_actions_init");
        try {
            check(C.posix_spawnattr_init(attr), "posix_spawnattr_init");
            try {
                return spawn(program, fa, attr, empty, all);
            } finally {
                C.posix_spawnattr_destroy(attr);
            }
        } catch (RuntimeException e) {
            for (int fd : opened) {
                C.close(fd);
            }
            if (ring != null) {
                ring.unmap();
            }
            throw e;
        } finally {
            C.posix_spawn_file_actions_destroy(fa);
        }
    }

    private Started spawn(String program, Pointer fa, Pointer attr, Pointer empty, Pointer all) {
        int channelFd = spec.channelFd();
        int highestTarget = Math.max(2, channelFd);
        if (spec.sharedRing() > 0) {
            ring = SharedRing.createOrWarn(spec.sharedRing());
            if (ring != null) {
                ringTarget = ++highestTarget;  // one above the channel and the standard streams
            }
        }
        Redirect[] streams = {spec.stdin(), spec.stdout(), spec.stderr()};
        for (int target = 0; target <= 2; target++) {
            if (target == channelFd) {
                continue;
            }
            Redirect r = streams[target];
            switch (r.kind()) {
                case INHERIT -> { }
                case NULL -> check(C.posix_spawn_file_actions_addopen(fa, target, "/dev/null",
                        target == 0 ? Native.O_RDONLY : Native.O_WRONLY, 0), "addopen /dev/null");
                case FILE, APPEND -> {
                    int flags = target == 0 ? Native.O_RDONLY
                            : Native.O_WRONLY | Native.O_CREAT | (r.kind() == Redirect.Kind.APPEND ? Native.O_APPEND : Native.O_TRUNC);
                    check(C.posix_spawn_file_actions_addopen(fa, target, r.path().toString(), flags, 0644),
                            "addopen " + r.path());
                }
                case PIPE, LOG -> {
                    int[] p = pipe(highestTarget);
                    int child = target == 0 ? p[0] : p[1];
                    parentEnd[target] = target == 0 ? p[1] : p[0];
                    childEnds.add(child);
                    check(C.posix_spawn_file_actions_adddup2(fa, child, target), "adddup2");
                }
            }
        }
        if (channelFd >= 0) {
            int[] sv = new int[2];
            if (C.socketpair(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0, sv) != 0) {
                throw new SpawnException("cannot start " + program + ": socketpair failed: "
                        + Native.strerror(Native.errno()), Native.errno());
            }
            channelParent = above(sv[0], highestTarget);
            int child = above(sv[1], highestTarget);
            childEnds.add(child);
            check(C.posix_spawn_file_actions_adddup2(fa, child, channelFd), "adddup2 channel");
        }
        if (ring != null) {
            int memfd = ring.fd();
            ring.forgetFd();  // from here on the child end is closed like the others: after the spawn, or on failure
            int child = above(memfd, highestTarget);  // closes the memfd's first number if it moves it, even failing
            childEnds.add(child);
            check(C.posix_spawn_file_actions_adddup2(fa, child, ringTarget), "adddup2 shared ring");
        }
        if (spec.directory() != null) {
            check(C.posix_spawn_file_actions_addchdir_np(fa, spec.directory().toString()), "addchdir_np");
        }
        for (int gap = 3; gap < channelFd; gap++) {
            // below the channel and above stdio: closefrom does not reach these (glibc ignores EBADF here)
            check(C.posix_spawn_file_actions_addclose(fa, gap), "addclose");
        }
        check(C.posix_spawn_file_actions_addclosefrom_np(fa, highestTarget + 1), "addclosefrom_np");

        C.sigemptyset(empty);
        C.sigfillset(all);
        check(C.posix_spawnattr_setsigmask(attr, empty), "setsigmask");
        check(C.posix_spawnattr_setsigdefault(attr, all), "setsigdefault");
        check(C.posix_spawnattr_setpgroup(attr, 0), "setpgroup");
        check(C.posix_spawnattr_setflags(attr, (short) (Native.POSIX_SPAWN_SETPGROUP
                | Native.POSIX_SPAWN_SETSIGMASK | Native.POSIX_SPAWN_SETSIGDEF)), "setflags");

        List<String> command = spec.command();
        CharSequence[] argv = new CharSequence[command.size()];
        argv[0] = spec.argv0();
        for (int i = 1; i < argv.length; i++) {
            argv[i] = command.get(i);
        }
        IntByReference pid = new IntByReference();
        int rc = C.posix_spawnp(pid, program, fa, attr, argv, environment());
        for (int fd : childEnds) {
            C.close(fd);
            opened.remove(Integer.valueOf(fd));
        }

        if (rc != 0) {
            throw new SpawnException("cannot start " + program + ": " + Native.strerror(rc) + hint(program, rc), rc);
        }
        int childPid = pid.intValue();
        int pidfd = Native.pidfdOpen(childPid);
        if (pidfd < 0) {
            int e = Native.errno();
            Native.POSIX.kill(-childPid, 9);
            Native.POSIX.waitpid(childPid, new int[1], 0);
            throw new SpawnException("cannot watch " + program + " [" + childPid + "]: pidfd_open failed: "
                    + Native.strerror(e) + " (procpool needs Linux 5.3 or later)", e);
        }
        boolean[] log = {false, spec.stdout().kind() == Redirect.Kind.LOG, spec.stderr().kind() == Redirect.Kind.LOG};
        return new Started(childPid, pidfd, channelParent,
                parentEnd[0],
                log[1] ? -1 : parentEnd[1],
                log[2] ? -1 : parentEnd[2],
                log[1] ? parentEnd[1] : -1,
                log[2] ? parentEnd[2] : -1, ring);
    }

    private CharSequence[] environment() {
        Map<String, String> env = new LinkedHashMap<>();
        if (spec.inheritEnvironment()) {
            env.putAll(System.getenv());
        }
        env.putAll(spec.environment());
        if (spec.hasChannel()) {
            env.put(ProcessSpec.CHANNEL_FD_ENV, Integer.toString(spec.channelFd()));
        }
        if (ringTarget >= 0) {
            env.put(SharedRing.FD_ENV, Integer.toString(ringTarget));
        } else {
            env.remove(SharedRing.FD_ENV);  // inherited from a worker that starts a pool of its own
        }
        CharSequence[] envp = new CharSequence[env.size()];
        int i = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            envp[i++] = e.getKey() + "=" + e.getValue();
        }
        return envp;
    }

    private int[] pipe(int highestTarget) {
        int[] p = new int[2];
        if (C.pipe2(p, Native.O_CLOEXEC) != 0) {
            int e = Native.errno();
            throw new SpawnException("cannot start " + spec.command().get(0) + ": pipe2 failed: " + Native.strerror(e), e);
        }
        return new int[] {above(p[0], highestTarget), above(p[1], highestTarget)};
    }

    /**
     * Keeps the descriptor clear of the child's target numbers: a source fd that is also a target could be
     * overwritten by an earlier dup2 in the file actions.
     */
    private int above(int fd, int highestTarget) {
        if (fd > highestTarget) {
            opened.add(fd);
            return fd;
        }
        int moved = C.fcntl(fd, Native.F_DUPFD_CLOEXEC, highestTarget + 1);
        int e = Native.errno();
        C.close(fd);
        if (moved < 0) {
            throw new SpawnException("cannot start " + spec.command().get(0) + ": fcntl(F_DUPFD_CLOEXEC) failed: "
                    + Native.strerror(e), e);
        }
        opened.add(moved);
        return moved;
    }

    private void check(int rc, String what) {
        if (rc != 0) {
            throw new SpawnException("cannot start " + spec.command().get(0) + ": " + what + " failed: "
                    + Native.strerror(rc), rc);
        }
    }

    private String hint(String program, int errno) {
        if (errno == 2) {
            return program.contains("/") ? "; check the path"
                    : "; it is not on PATH=" + System.getenv("PATH") + "; give a full path or fix PATH";
        }
        if (errno == 13) {
            return "; it is not executable (chmod +x) or a directory on the way is not searchable";
        }
        if (errno == 8) {
            return "; it is not a program this system can run (a script needs a #! line)";
        }
        return "";
    }
}
