package dev.keep.loader.jail;

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
 * The C library calls of the jail, through Panama. Calls that can fail capture errno at the call
 * (reading it later would see whatever the JVM did in between) and return {@code -errno} on failure,
 * so callers decide what a failure means; {@link #check} turns one into a {@link JailException}.
 */
final class JailNative {
    private JailNative() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private static final Downcall SOCKET = new Downcall(true, "socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall BIND = new Downcall(true, "bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall LISTEN = new Downcall(true, "listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall ACCEPT4 = new Downcall(true, "accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final Downcall CONNECT = new Downcall(true, "connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall SENDMSG = new Downcall(true, "sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall RECVMSG = new Downcall(true, "recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall READ = new Downcall(true, "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final Downcall WRITE = new Downcall(true, "write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final Downcall CLOSE = new Downcall(true, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final Downcall OPEN = new Downcall(true, "open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final Downcall POLL = new Downcall(true, "poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final Downcall PRCTL = new Downcall(true, "prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final Downcall SYSCALL3 = new Downcall(true, "syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(1));
    private static final Downcall SETRLIMIT = new Downcall(true, "setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final Downcall EXECV = new Downcall(true, "execv", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final Downcall STRERROR = new Downcall(false, "strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /**
     * A C function, linked on first use: linking costs the runner's JVM tens of milliseconds per
     * function at start-up, and each process uses only some of them.
     */
    private static final class Downcall {
        private final boolean capturesErrno;
        private final String name;
        private final FunctionDescriptor descriptor;
        private final Linker.Option[] extra;
        private volatile MethodHandle handle;

        Downcall(boolean capturesErrno, String name, FunctionDescriptor descriptor, Linker.Option... extra) {
            this.capturesErrno = capturesErrno;
            this.name = name;
            this.descriptor = descriptor;
            this.extra = extra;
        }

        @SuppressWarnings("restricted") // SAFETY: each descriptor matches the glibc prototype.
        MethodHandle handle() {
            MethodHandle h = handle;
            if (h == null) {
                Linker.Option[] options = extra;
                if (capturesErrno) {
                    options = new Linker.Option[extra.length + 1];
                    options[0] = Linker.Option.captureCallState("errno");
                    System.arraycopy(extra, 0, options, 1, extra.length);
                }
                MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("libc lacks " + name));
                h = LINKER.downcallHandle(symbol, descriptor, options);
                handle = h;
            }
            return h;
        }
    }

    private static int errno() {
        return (int) ERRNO.get(STATE.get(), 0L);
    }

    private static long result(long value) {
        return value < 0 ? -errno() : value;
    }

    static int socket(int domain, int type, int protocol) {
        return (int) call(() -> (int) SOCKET.handle().invokeExact(STATE.get(), domain, type, protocol));
    }

    static int bind(int fd, MemorySegment address) {
        return (int) call(() -> (int) BIND.handle().invokeExact(STATE.get(), fd, address, (int) address.byteSize()));
    }

    static int listen(int fd, int backlog) {
        return (int) call(() -> (int) LISTEN.handle().invokeExact(STATE.get(), fd, backlog));
    }

    static int accept4(int fd, int flags) {
        return (int) call(() -> (int) ACCEPT4.handle().invokeExact(STATE.get(), fd, MemorySegment.NULL, MemorySegment.NULL, flags));
    }

    static int connect(int fd, MemorySegment address) {
        return (int) call(() -> (int) CONNECT.handle().invokeExact(STATE.get(), fd, address, (int) address.byteSize()));
    }

    static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        return call(() -> (long) SENDMSG.handle().invokeExact(STATE.get(), fd, msghdr, flags));
    }

    static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        return call(() -> (long) RECVMSG.handle().invokeExact(STATE.get(), fd, msghdr, flags));
    }

    static long read(int fd, MemorySegment buffer) {
        return call(() -> (long) READ.handle().invokeExact(STATE.get(), fd, buffer, buffer.byteSize()));
    }

    static long write(int fd, MemorySegment buffer) {
        return call(() -> (long) WRITE.handle().invokeExact(STATE.get(), fd, buffer, buffer.byteSize()));
    }

    static int close(int fd) {
        return (int) call(() -> (int) CLOSE.handle().invokeExact(STATE.get(), fd));
    }

    static int open(MemorySegment path, int flags) {
        return (int) call(() -> (int) OPEN.handle().invokeExact(STATE.get(), path, flags, 0));
    }

    static int poll(MemorySegment fds, long count, int timeoutMillis) {
        return (int) call(() -> (int) POLL.handle().invokeExact(STATE.get(), fds, count, timeoutMillis));
    }

    static int prctl(int option, long arg2) {
        return (int) call(() -> (int) PRCTL.handle().invokeExact(STATE.get(), option, arg2, 0L, 0L, 0L));
    }

    /** syscall(2) with three arguments, the third a pointer: enough for seccomp(2), which glibc does not wrap. */
    static long syscall(long number, long arg1, long arg2, MemorySegment arg3) {
        return call(() -> (long) SYSCALL3.handle().invokeExact(STATE.get(), number, arg1, arg2, arg3));
    }

    static int setrlimit(int resource, MemorySegment rlimit) {
        return (int) call(() -> (int) SETRLIMIT.handle().invokeExact(STATE.get(), resource, rlimit));
    }

    /** execv(2); returns only on failure. Used by the escape self-test alone. */
    static int execv(MemorySegment path, MemorySegment argv) {
        return (int) call(() -> (int) EXECV.handle().invokeExact(STATE.get(), path, argv));
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.handle().invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Returns {@code value}, or throws naming {@code what} and the error when it is {@code -errno}. */
    static long check(long value, String what) {
        if (value < 0) {
            throw new JailException(what + " failed: " + strerror((int) -value));
        }
        return value;
    }

    @FunctionalInterface
    private interface NativeCall {
        long invoke() throws Throwable;
    }

    private static long call(NativeCall call) {
        try {
            return result(call.invoke());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }
}
