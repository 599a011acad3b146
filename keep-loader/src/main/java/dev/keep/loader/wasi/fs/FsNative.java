package dev.keep.loader.wasi.fs;

import static dev.keep.loader.natives.ErrnoDowncalls.capturing;
import static dev.keep.loader.natives.ErrnoDowncalls.downcallFailed;
import static dev.keep.loader.natives.ErrnoDowncalls.result;
import static dev.keep.loader.natives.ErrnoDowncalls.state;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The system calls of the preopened-directory jail, through Panama: the *at(2) family that
 * kvm-backend's Libc does not bind. Each call captures errno at the call (reading it later would
 * see whatever the JVM did in between) and returns {@code -errno} on failure, so callers map the
 * error in the context they know (see {@link ErrnoMapping}).
 */
final class FsNative {
    private FsNative() {}

    // syscall(2) is variadic after the number; every argument is passed as a full 64-bit word.
    private static final MethodHandle SYSCALL4 = capturing("syscall", FunctionDescriptor.of(
            JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle OPEN = capturing("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = capturing("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = capturing("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = capturing("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PREAD = capturing("pread64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = capturing("pwrite64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MKDIRAT = capturing("mkdirat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINKAT = capturing("unlinkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RENAMEAT2 = capturing("renameat2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SYMLINKAT = capturing("symlinkat",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle READLINKAT = capturing("readlinkat",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle FSYNC = capturing("fsync",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FDATASYNC = capturing("fdatasync",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle LINKAT = capturing("linkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FTRUNCATE = capturing("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle UTIMENSAT = capturing("utimensat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle FUTIMENS = capturing("futimens",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FSTAT = capturing("fstat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    /** openat2(dirfd, path, how, sizeof how) through syscall(number, ...). */
    static int openat2(long syscallNumber, int dirfd, MemorySegment path, MemorySegment how) {
        MemorySegment state = state();
        try {
            long r = (long) SYSCALL4.invokeExact(state, syscallNumber, (long) dirfd, path, how,
                    how.byteSize());
            return (int) result(r, state);
        } catch (Throwable t) {
            throw downcallFailed("openat2", t);
        }
    }

    static int open(MemorySegment path, int flags) {
        MemorySegment state = state();
        try {
            return (int) result((int) OPEN.invokeExact(state, path, flags, 0), state);
        } catch (Throwable t) {
            throw downcallFailed("open", t);
        }
    }

    static int close(int fd) {
        MemorySegment state = state();
        try {
            return (int) result((int) CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw downcallFailed("close", t);
        }
    }

    /** fsync(2), or fdatasync(2) when {@code dataOnly}; 0 or -errno. */
    static int sync(int fd, boolean dataOnly) {
        MemorySegment state = state();
        try {
            int value = dataOnly ? (int) FDATASYNC.invokeExact(state, fd)
                    : (int) FSYNC.invokeExact(state, fd);
            return (int) result(value, state);
        } catch (Throwable t) {
            throw downcallFailed(dataOnly ? "fdatasync" : "fsync", t);
        }
    }

    static int linkat(int oldDirfd, MemorySegment oldName, int newDirfd, MemorySegment newName,
            int flags) {
        MemorySegment state = state();
        try {
            return (int) result((int) LINKAT.invokeExact(state, oldDirfd, oldName, newDirfd,
                    newName, flags), state);
        } catch (Throwable t) {
            throw downcallFailed("linkat", t);
        }
    }

    static int ftruncate(int fd, long length) {
        MemorySegment state = state();
        try {
            return (int) result((int) FTRUNCATE.invokeExact(state, fd, length), state);
        } catch (Throwable t) {
            throw downcallFailed("ftruncate", t);
        }
    }

    /** utimensat(2); {@code times} holds two struct timespec. 0 or -errno. */
    static int utimensat(int dirfd, MemorySegment path, MemorySegment times, int flags) {
        MemorySegment state = state();
        try {
            return (int) result((int) UTIMENSAT.invokeExact(state, dirfd, path, times, flags), state);
        } catch (Throwable t) {
            throw downcallFailed("utimensat", t);
        }
    }

    static int futimens(int fd, MemorySegment times) {
        MemorySegment state = state();
        try {
            return (int) result((int) FUTIMENS.invokeExact(state, fd, times), state);
        } catch (Throwable t) {
            throw downcallFailed("futimens", t);
        }
    }

    static long read(int fd, MemorySegment buffer) {
        MemorySegment state = state();
        try {
            return result((long) READ.invokeExact(state, fd, buffer, buffer.byteSize()), state);
        } catch (Throwable t) {
            throw downcallFailed("read", t);
        }
    }

    static long write(int fd, MemorySegment buffer) {
        MemorySegment state = state();
        try {
            return result((long) WRITE.invokeExact(state, fd, buffer, buffer.byteSize()), state);
        } catch (Throwable t) {
            throw downcallFailed("write", t);
        }
    }

    static long pread(int fd, MemorySegment buffer, long offset) {
        MemorySegment state = state();
        try {
            return result((long) PREAD.invokeExact(state, fd, buffer, buffer.byteSize(), offset),
                    state);
        } catch (Throwable t) {
            throw downcallFailed("pread64", t);
        }
    }

    static long pwrite(int fd, MemorySegment buffer, long offset) {
        MemorySegment state = state();
        try {
            return result((long) PWRITE.invokeExact(state, fd, buffer, buffer.byteSize(), offset),
                    state);
        } catch (Throwable t) {
            throw downcallFailed("pwrite64", t);
        }
    }

    static int mkdirat(int dirfd, MemorySegment name, int mode) {
        MemorySegment state = state();
        try {
            return (int) result((int) MKDIRAT.invokeExact(state, dirfd, name, mode), state);
        } catch (Throwable t) {
            throw downcallFailed("mkdirat", t);
        }
    }

    static int unlinkat(int dirfd, MemorySegment name, int flags) {
        MemorySegment state = state();
        try {
            return (int) result((int) UNLINKAT.invokeExact(state, dirfd, name, flags), state);
        } catch (Throwable t) {
            throw downcallFailed("unlinkat", t);
        }
    }

    static int renameat2(int oldDirfd, MemorySegment oldName, int newDirfd, MemorySegment newName,
            int flags) {
        MemorySegment state = state();
        try {
            return (int) result((int) RENAMEAT2.invokeExact(state, oldDirfd, oldName, newDirfd,
                    newName, flags), state);
        } catch (Throwable t) {
            throw downcallFailed("renameat2", t);
        }
    }

    static int symlinkat(MemorySegment target, int dirfd, MemorySegment name) {
        MemorySegment state = state();
        try {
            return (int) result((int) SYMLINKAT.invokeExact(state, target, dirfd, name), state);
        } catch (Throwable t) {
            throw downcallFailed("symlinkat", t);
        }
    }

    static long readlinkat(int dirfd, MemorySegment name, MemorySegment buffer) {
        MemorySegment state = state();
        try {
            return result((long) READLINKAT.invokeExact(state, dirfd, name, buffer,
                    buffer.byteSize()), state);
        } catch (Throwable t) {
            throw downcallFailed("readlinkat", t);
        }
    }

    static int fstat(int fd, MemorySegment stat) {
        MemorySegment state = state();
        try {
            return (int) result((int) FSTAT.invokeExact(state, fd, stat), state);
        } catch (Throwable t) {
            throw downcallFailed("fstat", t);
        }
    }
}
