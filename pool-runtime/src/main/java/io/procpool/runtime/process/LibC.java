package io.procpool.runtime.process;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;

/**
 * The libc calls the process layer needs and jnr-posix does not offer, or offers without an error code:
 * posix_spawnp with closefrom, signal defaults and chdir; CLOEXEC socketpairs and pipes; pidfds; epoll;
 * eventfd; send/recv on raw addresses so that the hot path allocates nothing.
 *
 * <p>Buffers passed as {@code long} are native addresses (direct buffers). Every call saves errno.
 */
public interface LibC {

    // posix_spawn (glibc >= 2.34 for addclosefrom_np, >= 2.29 for addchdir_np)
    @SaveError int posix_spawnp(@Out IntByReference pid, @In CharSequence file, Pointer fileActions, Pointer attr,
                                @In CharSequence[] argv, @In CharSequence[] envp);
    @SaveError int posix_spawn_file_actions_init(Pointer fa);
    @SaveError int posix_spawn_file_actions_destroy(Pointer fa);
    @SaveError int posix_spawn_file_actions_adddup2(Pointer fa, int fd, int newfd);
    @SaveError int posix_spawn_file_actions_addopen(Pointer fa, int fd, @In CharSequence path, int oflag, int mode);
    @SaveError int posix_spawn_file_actions_addclose(Pointer fa, int fd);
    @SaveError int posix_spawn_file_actions_addclosefrom_np(Pointer fa, int from);
    @SaveError int posix_spawn_file_actions_addchdir_np(Pointer fa, @In CharSequence path);
    @SaveError int posix_spawnattr_init(Pointer attr);
    @SaveError int posix_spawnattr_destroy(Pointer attr);
    @SaveError int posix_spawnattr_setflags(Pointer attr, short flags);
    @SaveError int posix_spawnattr_setpgroup(Pointer attr, int pgroup);
    @SaveError int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);
    @SaveError int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);
    @SaveError int sigemptyset(Pointer set);
    @SaveError int sigfillset(Pointer set);

    // descriptors
    @SaveError int socketpair(int domain, int type, int protocol, @Out int[] sv);
    @SaveError int pipe2(@Out int[] fds, int flags);
    @SaveError int fcntl(int fd, int cmd, int arg);
    @SaveError int memfd_create(@In CharSequence name, int flags);
    @SaveError int ftruncate(int fd, long length);
    @SaveError int close(int fd);
    @SaveError long read(int fd, long buf, long count);
    @SaveError long write(int fd, long buf, long count);
    @SaveError long read(int fd, @Out byte[] buf, long count);
    @SaveError long write(int fd, @In byte[] buf, long count);
    @SaveError int shutdown(int fd, int how);
    @SaveError long send(int fd, long buf, long count, int flags);
    @SaveError long recv(int fd, long buf, long count, int flags);
    @SaveError int poll(Pointer fds, int nfds, int timeoutMillis);

    // processes
    @SaveError long syscall(long number, long a1, long a2, long a3, long a4);

    // event loop
    @SaveError int epoll_create1(int flags);
    @SaveError int epoll_ctl(int epfd, int op, int fd, Pointer event);
    @SaveError int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis);
    @SaveError int eventfd(int initval, int flags);

    String strerror(int errnum);
}
