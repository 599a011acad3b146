package dev.keep.loader.wasi.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Resolves guest paths beneath a directory fd with openat2(2). The kernel does the whole walk
 * ({@code ..}, symlinks, mount points) atomically against the dirfd, so no rename between our
 * check and our use can move the result outside: that is why there is no Java-side path walk.
 *
 * <p>RESOLVE_BENEATH refuses any step above the dirfd (EXDEV); RESOLVE_NO_MAGICLINKS refuses
 * /proc-style links such as {@code /proc/self/root} even if the preopened tree holds a procfs
 * (ELOOP). RESOLVE_NO_XDEV (refuse mount crossings) is added when the directory was opened with
 * {@link HostDirectory.Mounts#STAY}: mounts below a preopened directory are normally part of what
 * the operator chose to expose, so crossing them is allowed by default.
 */
final class Openat2 {
    /** EAGAIN means the kernel saw a concurrent rename during a ".." step; the man page says retry. */
    private static final int MAX_ATTEMPTS = 64;

    private static final long FLAGS = offset("flags");
    private static final long MODE = offset("mode");
    private static final long RESOLVE = offset("resolve");

    private static long offset(String field) {
        return FsStructs.OPEN_HOW.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private final long syscallNumber;
    private final long resolve;

    Openat2(long syscallNumber, long resolve) {
        this.syscallNumber = syscallNumber;
        this.resolve = resolve;
    }

    long resolveFlags() {
        return resolve;
    }

    /**
     * Checks that the kernel has openat2 by resolving "." beneath {@code dirfd}; ENOSYS (and
     * EPERM, which some container seccomp profiles return for syscalls they do not know) means
     * it cannot be used.
     */
    void probe(int dirfd) throws FsException {
        int fd = call(dirfd, ".", FsConstants.O_PATH | FsConstants.O_DIRECTORY, 0);
        if (fd == -FsConstants.ENOSYS || fd == -FsConstants.EPERM) {
            throw new Openat2UnavailableException(-fd);
        }
        if (fd < 0) {
            throw FsException.fromKernel("openat2", ".", -fd, ErrnoMapping.Context.PATH_RESOLUTION);
        }
        FsNative.close(fd);
    }

    /** Opens {@code path} beneath {@code dirfd}; O_CLOEXEC (and O_NOCTTY unless O_PATH) are added. */
    int open(int dirfd, String path, int flags, int mode) throws FsException {
        int fd = call(dirfd, path, flags, mode);
        if (fd < 0) {
            throw FsException.fromKernel("openat2", GuestPath.shown(path), -fd,
                    ErrnoMapping.Context.PATH_RESOLUTION);
        }
        return fd;
    }

    /** One openat2 with retries on EINTR/EAGAIN; returns the fd or {@code -errno}. */
    private int call(int dirfd, String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment how = arena.allocate(FsStructs.OPEN_HOW);
            // openat2, unlike openat, refuses flags O_PATH ignores (EINVAL), so O_NOCTTY only
            // goes with real opens.
            int always = (flags & FsConstants.O_PATH) != 0
                    ? FsConstants.O_CLOEXEC : FsConstants.O_CLOEXEC | FsConstants.O_NOCTTY;
            how.set(ValueLayout.JAVA_LONG, FLAGS, Integer.toUnsignedLong(flags | always));
            how.set(ValueLayout.JAVA_LONG, MODE, mode);
            how.set(ValueLayout.JAVA_LONG, RESOLVE, resolve);
            MemorySegment cPath = arena.allocateFrom(path);
            int fd = 0;
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                fd = FsNative.openat2(syscallNumber, dirfd, cPath, how);
                if (fd != -FsConstants.EINTR && fd != -FsConstants.EAGAIN) {
                    return fd;
                }
            }
            return fd;
        }
    }
}
