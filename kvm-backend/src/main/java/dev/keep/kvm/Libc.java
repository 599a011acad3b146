package dev.keep.kvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Panama downcalls into the C library: the only place in this module that calls native code
 * besides {@link HostCpuid}'s generated function. Every call that can fail captures errno through
 * {@link Linker.Option#captureCallState} (reading it later in Java would see whatever the JVM did
 * in between) and throws {@link NativeCallException} naming the call and the strerror text.
 *
 * <p>{@code open}, {@code close}, pointer {@code ioctl} and {@code strerror} are public so that the
 * other host-side modules (sev-backend's /dev/sev, keep-loader's file jails) reuse this one binding
 * instead of declaring their own.
 *
 * <p>Pointers the kernel does not keep (ioctl arguments) are passed as {@link MemorySegment}, so
 * the segment's arena stays alive for the call. Addresses of mappings are plain {@code long}s:
 * on x86-64 a pointer and a 64-bit integer travel in the same register.
 */
public final class Libc {

    private Libc() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** One errno capture buffer per thread, so concurrent vCPU threads never share one. */
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    // open(2) and ioctl(2) are variadic in C: the varargs start at the third parameter.
    private static final MethodHandle OPEN = capturing("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = capturing("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL_POINTER = capturing("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_VALUE = capturing("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = capturing("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_LONG));
    private static final MethodHandle MUNMAP = capturing("munmap",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MADVISE = capturing("madvise",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MPROTECT = capturing("mprotect",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle EVENTFD = capturing("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle TGKILL = capturing("tgkill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETPID = plain("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETTID = plain("gettid", FunctionDescriptor.of(JAVA_INT));
    // The GNU strerror_r (the one glibc exports under this name) returns the message pointer,
    // which may be a static string rather than the buffer; unlike strerror it is thread-safe.
    private static final MethodHandle STRERROR_R = plain("strerror_r",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));

    /** The value mmap(2) returns on failure: {@code (void *) -1}. */
    static final long MAP_FAILED = -1L;

    @SuppressWarnings("restricted") // SAFETY: each descriptor matches the glibc prototype.
    private static MethodHandle capturing(String name, FunctionDescriptor descriptor,
            Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    @SuppressWarnings("restricted") // SAFETY: each descriptor matches the glibc prototype.
    private static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** Wraps the Throwable that invokeExact declares; downcalls themselves never throw. */
    private static IllegalStateException downcallFailed(String call, Throwable t) {
        return new IllegalStateException("native call " + call + " could not be made: " + t, t);
    }

    /** open(path, flags); returns the new file descriptor. */
    public static int open(String path, int flags) throws NativeCallException {
        MemorySegment state = STATE.get();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, 0);
        } catch (Throwable t) {
            throw downcallFailed("open", t);
        }
        if (fd < 0) {
            throw new NativeCallException("open(" + path + ")", errno(state));
        }
        return fd;
    }

    /**
     * close(fd). Errors are returned, not thrown: after close(2) the descriptor is gone whatever
     * it answers (Linux never retries on EINTR), so there is nothing a caller could do.
     */
    public static int close(int fd) {
        MemorySegment state = STATE.get();
        try {
            int result = (int) CLOSE.invokeExact(state, fd);
            return result < 0 ? errno(state) : 0;
        } catch (Throwable t) {
            throw downcallFailed("close", t);
        }
    }

    /** ioctl(fd, request, pointer); {@code name} is the request's C name, used in errors. */
    public static int ioctl(int fd, long request, MemorySegment argument, String name)
            throws NativeCallException {
        MemorySegment state = STATE.get();
        int result;
        try {
            result = (int) IOCTL_POINTER.invokeExact(state, fd, request, argument);
        } catch (Throwable t) {
            throw downcallFailed("ioctl", t);
        }
        if (result < 0) {
            throw new NativeCallException("ioctl(" + name + ")", errno(state));
        }
        return result;
    }

    /** ioctl(fd, request, value) for requests whose argument is an integer, not a pointer. */
    static int ioctl(int fd, long request, long value, String name) throws NativeCallException {
        MemorySegment state = STATE.get();
        int result;
        try {
            result = (int) IOCTL_VALUE.invokeExact(state, fd, request, value);
        } catch (Throwable t) {
            throw downcallFailed("ioctl", t);
        }
        if (result < 0) {
            throw new NativeCallException("ioctl(" + name + ")", errno(state));
        }
        return result;
    }

    /** mmap(address, length, prot, flags, fd, offset); returns the mapping's address. */
    static long mmap(long address, long length, int prot, int flags, int fd, long offset)
            throws NativeCallException {
        MemorySegment state = STATE.get();
        long result;
        try {
            result = (long) MMAP.invokeExact(state, address, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw downcallFailed("mmap", t);
        }
        if (result == MAP_FAILED) {
            throw new NativeCallException("mmap(length " + length + ")", errno(state));
        }
        return result;
    }

    static void munmap(long address, long length) throws NativeCallException {
        MemorySegment state = STATE.get();
        int result;
        try {
            result = (int) MUNMAP.invokeExact(state, address, length);
        } catch (Throwable t) {
            throw downcallFailed("munmap", t);
        }
        if (result < 0) {
            throw new NativeCallException("munmap", errno(state));
        }
    }

    static void madvise(long address, long length, int advice) throws NativeCallException {
        MemorySegment state = STATE.get();
        int result;
        try {
            result = (int) MADVISE.invokeExact(state, address, length, advice);
        } catch (Throwable t) {
            throw downcallFailed("madvise", t);
        }
        if (result < 0) {
            throw new NativeCallException("madvise(advice " + advice + ")", errno(state));
        }
    }

    static void mprotect(long address, long length, int prot) throws NativeCallException {
        MemorySegment state = STATE.get();
        int result;
        try {
            result = (int) MPROTECT.invokeExact(state, address, length, prot);
        } catch (Throwable t) {
            throw downcallFailed("mprotect", t);
        }
        if (result < 0) {
            throw new NativeCallException("mprotect", errno(state));
        }
    }

    /** eventfd(initialValue, flags); returns the new file descriptor. */
    static int eventfd(int initialValue, int flags) throws NativeCallException {
        MemorySegment state = STATE.get();
        int fd;
        try {
            fd = (int) EVENTFD.invokeExact(state, initialValue, flags);
        } catch (Throwable t) {
            throw downcallFailed("eventfd", t);
        }
        if (fd < 0) {
            throw new NativeCallException("eventfd", errno(state));
        }
        return fd;
    }

    /** tgkill(tgid, tid, signal): signal one thread, e.g. to kick a vCPU out of KVM_RUN. */
    static void tgkill(int processId, int threadId, int signal) throws NativeCallException {
        MemorySegment state = STATE.get();
        int result;
        try {
            result = (int) TGKILL.invokeExact(state, processId, threadId, signal);
        } catch (Throwable t) {
            throw downcallFailed("tgkill", t);
        }
        if (result < 0) {
            throw new NativeCallException("tgkill(" + threadId + ", signal " + signal + ")",
                    errno(state));
        }
    }

    static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw downcallFailed("getpid", t);
        }
    }

    /** The kernel thread id of the calling thread (what tgkill needs to reach it). */
    static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw downcallFailed("gettid", t);
        }
    }

    /** The C library's text for an errno value, e.g. "No such file or directory". */
    @SuppressWarnings("restricted")
    public static String strerror(int errno) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(256);
            MemorySegment text = (MemorySegment) STRERROR_R.invokeExact(errno, buffer, 256L);
            // SAFETY: strerror_r returns a NUL-terminated string, either in buffer or static.
            return text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
