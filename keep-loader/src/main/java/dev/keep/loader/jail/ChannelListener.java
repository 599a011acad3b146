package dev.keep.loader.jail;

import static dev.keep.loader.jail.JailAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * The supervisor's listening socket, bound at a path inside a private folder that the jail bind-mounts
 * for the runner. It accepts exactly one connection: Java's socket channels cannot carry SCM_RIGHTS,
 * hence the native socket.
 */
final class ChannelListener implements AutoCloseable {
    private static final int POLL_SLICE_MILLIS = 50;

    private int fd;

    private ChannelListener(int fd) {
        this.fd = fd;
    }

    static ChannelListener bind(Path socketPath) {
        int fd = (int) JailNative.check(JailNative.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket(AF_UNIX)");
        try (Arena arena = Arena.ofConfined()) {
            JailNative.check(JailNative.bind(fd, FdChannel.unixAddress(arena, socketPath)), "bind " + socketPath);
            JailNative.check(JailNative.listen(fd, 1), "listen on " + socketPath);
            return new ChannelListener(fd);
        } catch (RuntimeException e) {
            JailNative.close(fd);
            throw e;
        }
    }

    /**
     * Waits for the runner to connect, giving up when {@code peerAlive} turns false (the runner died
     * before connecting) or after {@code timeoutMillis}.
     */
    FdChannel accept(long timeoutMillis, BooleanSupplier peerAlive) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(POLLFD_SIZE, 4);
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) POLLIN);
            while (true) {
                int ready = JailNative.poll(pollfd, 1, POLL_SLICE_MILLIS);
                if (ready > 0) {
                    int client = JailNative.accept4(fd, SOCK_CLOEXEC);
                    if (client >= 0) {
                        return new FdChannel(client);
                    }
                    if (client != -EINTR && client != -EAGAIN) {
                        JailNative.check(client, "accept on the jail channel");
                    }
                } else if (ready < 0 && ready != -EINTR) {
                    JailNative.check(ready, "poll on the jail channel");
                }
                if (!peerAlive.getAsBoolean()) {
                    return null;
                }
                if (System.nanoTime() > deadline) {
                    throw new JailException("the jailed runner did not connect within " + timeoutMillis + " ms");
                }
            }
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            JailNative.close(fd);
            fd = -1;
        }
    }
}
