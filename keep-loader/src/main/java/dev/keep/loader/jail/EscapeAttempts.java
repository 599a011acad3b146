package dev.keep.loader.jail;

import static dev.keep.loader.jail.JailAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The test-only escape attempts of a jailed runner (see {@link EscapeAttempt}). Each one either
 * comes back refused, which the runner reports, or never comes back because seccomp killed it.
 */
final class EscapeAttempts {
    private static final int AF_INET = 2;
    private static final int SOCKADDR_IN_SIZE = 16;

    private EscapeAttempts() {}

    static RunnerReport attempt(EscapeAttempt escape, int channelFd) {
        try (Arena arena = Arena.ofConfined()) {
            return switch (escape.kind()) {
                case OPEN -> {
                    int fd = JailNative.open(arena.allocateFrom(escape.target()), O_RDONLY | O_CLOEXEC);
                    if (fd >= 0) {
                        JailNative.close(fd);
                        yield new RunnerReport.Failed("open(" + escape.target() + ") succeeded inside the jail");
                    }
                    yield new RunnerReport.Refused("open(" + escape.target() + ") refused: " + JailNative.strerror(-fd));
                }
                case EXECVE -> {
                    MemorySegment path = arena.allocateFrom(escape.target());
                    MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, 2);
                    argv.setAtIndex(ValueLayout.ADDRESS, 0, path);
                    int result = JailNative.execv(path, argv);
                    yield new RunnerReport.Refused("execve(" + escape.target() + ") refused: " + JailNative.strerror(-result));
                }
                case SOCKET -> {
                    int fd = JailNative.socket(AF_INET, SOCK_STREAM, 0);
                    yield new RunnerReport.Refused("socket(AF_INET) refused: " + JailNative.strerror(-fd));
                }
                case CONNECT -> {
                    MemorySegment address = arena.allocate(SOCKADDR_IN_SIZE);
                    address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
                    address.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 2,
                            (short) Integer.parseInt(escape.target()));
                    address.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 4, 0x7f000001);
                    int result = JailNative.connect(channelFd, address);
                    yield new RunnerReport.Refused("connect(127.0.0.1:" + escape.target() + ") refused: " + JailNative.strerror(-result));
                }
                case EXHAUST_MEMORY -> ResourceAttempts.exhaustMemory(Long.parseLong(escape.target()));
                case EXHAUST_PIDS -> ResourceAttempts.exhaustPids(Integer.parseInt(escape.target()));
                case BURN_CPU -> ResourceAttempts.burnCpu(Long.parseLong(escape.target()));
                case NONE -> throw new IllegalArgumentException("no escape attempt");
            };
        }
    }
}
