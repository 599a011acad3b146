package dev.keep.loader.wasi.net;

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
 * The socket calls of the keep's network descriptors, through Panama. Each call captures errno at
 * the call (reading it later would see whatever the JVM did in between) and returns
 * {@code -errno} on failure, so callers map the error where they know what it means.
 */
final class SocketNative {
    private SocketNative() {}

    private static final MethodHandle SOCKET = capturing("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = capturing("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = capturing("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = capturing("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = capturing("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = capturing("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SEND = capturing("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SHUTDOWN = capturing("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PPOLL = capturing("ppoll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    private static final MethodHandle FCNTL = capturing("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETSOCKOPT = capturing("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = capturing("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GETSOCKNAME = capturing("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CLOSE = capturing("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    static int socket(int domain, int type, int protocol) {
        MemorySegment state = state();
        try {
            return (int) result((int) SOCKET.invokeExact(state, domain, type, protocol), state);
        } catch (Throwable t) {
            throw downcallFailed("socket", t);
        }
    }

    static int bind(int fd, MemorySegment address) {
        MemorySegment state = state();
        try {
            return (int) result((int) BIND.invokeExact(state, fd, address,
                    (int) address.byteSize()), state);
        } catch (Throwable t) {
            throw downcallFailed("bind", t);
        }
    }

    static int listen(int fd, int backlog) {
        MemorySegment state = state();
        try {
            return (int) result((int) LISTEN.invokeExact(state, fd, backlog), state);
        } catch (Throwable t) {
            throw downcallFailed("listen", t);
        }
    }

    /** accept4(fd, NULL, NULL, flags): the peer's address is not wanted. */
    static int accept4(int fd, int flags) {
        MemorySegment state = state();
        try {
            return (int) result((int) ACCEPT4.invokeExact(state, fd, MemorySegment.NULL,
                    MemorySegment.NULL, flags), state);
        } catch (Throwable t) {
            throw downcallFailed("accept4", t);
        }
    }

    static int connect(int fd, MemorySegment address) {
        MemorySegment state = state();
        try {
            return (int) result((int) CONNECT.invokeExact(state, fd, address,
                    (int) address.byteSize()), state);
        } catch (Throwable t) {
            throw downcallFailed("connect", t);
        }
    }

    static long recv(int fd, MemorySegment buffer, int flags) {
        MemorySegment state = state();
        try {
            return result((long) RECV.invokeExact(state, fd, buffer, buffer.byteSize(), flags),
                    state);
        } catch (Throwable t) {
            throw downcallFailed("recv", t);
        }
    }

    static long send(int fd, MemorySegment buffer, int flags) {
        MemorySegment state = state();
        try {
            return result((long) SEND.invokeExact(state, fd, buffer, buffer.byteSize(), flags),
                    state);
        } catch (Throwable t) {
            throw downcallFailed("send", t);
        }
    }

    static int shutdown(int fd, int how) {
        MemorySegment state = state();
        try {
            return (int) result((int) SHUTDOWN.invokeExact(state, fd, how), state);
        } catch (Throwable t) {
            throw downcallFailed("shutdown", t);
        }
    }

    /**
     * ppoll(fds, count, timeout, NULL): {@code timeout} is a struct timespec, or NULL to wait
     * without limit. The number of ready descriptors, or -errno.
     */
    static int ppoll(MemorySegment fds, long count, MemorySegment timeout) {
        MemorySegment state = state();
        try {
            return (int) result((int) PPOLL.invokeExact(state, fds, count, timeout,
                    MemorySegment.NULL), state);
        } catch (Throwable t) {
            throw downcallFailed("ppoll", t);
        }
    }

    /** fcntl(fd, command, argument); F_GETFL and F_GETFD ignore the argument. */
    static int fcntl(int fd, int command, int argument) {
        MemorySegment state = state();
        try {
            return (int) result((int) FCNTL.invokeExact(state, fd, command, argument), state);
        } catch (Throwable t) {
            throw downcallFailed("fcntl", t);
        }
    }

    static int setsockopt(int fd, int level, int option, MemorySegment value) {
        MemorySegment state = state();
        try {
            return (int) result((int) SETSOCKOPT.invokeExact(state, fd, level, option, value,
                    (int) value.byteSize()), state);
        } catch (Throwable t) {
            throw downcallFailed("setsockopt", t);
        }
    }

    /** getsockopt into {@code value}; {@code length} is a socklen_t holding its size. */
    static int getsockopt(int fd, int level, int option, MemorySegment value,
            MemorySegment length) {
        MemorySegment state = state();
        try {
            return (int) result((int) GETSOCKOPT.invokeExact(state, fd, level, option, value,
                    length), state);
        } catch (Throwable t) {
            throw downcallFailed("getsockopt", t);
        }
    }

    static int getsockname(int fd, MemorySegment address, MemorySegment length) {
        MemorySegment state = state();
        try {
            return (int) result((int) GETSOCKNAME.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw downcallFailed("getsockname", t);
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
}
