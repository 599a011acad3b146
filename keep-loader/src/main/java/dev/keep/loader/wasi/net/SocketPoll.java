package dev.keep.loader.wasi.net;

import static dev.keep.loader.wasi.net.NetConstants.EINTR;
import static dev.keep.loader.wasi.net.NetConstants.POLLERR;
import static dev.keep.loader.wasi.net.NetConstants.POLLHUP;
import static dev.keep.loader.wasi.net.NetConstants.POLLIN;
import static dev.keep.loader.wasi.net.NetConstants.POLLNVAL;
import static dev.keep.loader.wasi.net.NetConstants.POLLOUT;

import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.fs.WasiErrno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Waits until host sockets are ready, in one ppoll(2) call over all of them. The kernel does the
 * waiting (nothing spins); a long wait is cut into slices of at most a second only so that an
 * interrupted thread (a keep being stopped) is noticed: it then ends with {@code intr}.
 */
public final class SocketPoll {
    private SocketPoll() {}

    /** Wait without a time limit. */
    public static final long FOREVER = -1;
    private static final long SLICE_NANOS = 1_000_000_000L;
    private static final int POLLFD_BYTES = 8;

    /** What the caller waits for on one socket. */
    public enum Interest {
        READ(POLLIN), WRITE(POLLOUT);

        final short events;

        Interest(short events) {
            this.events = events;
        }
    }

    /**
     * What poll found for one socket.
     *
     * @param ready the wanted direction will not block (data, a waiting connection, room to
     *     write, or an error or hang-up the next call reports)
     * @param hangup the peer hung up (POLLHUP)
     */
    public record Readiness(boolean ready, boolean hangup) {
        static final Readiness NOT_READY = new Readiness(false, false);
    }

    /**
     * Waits until at least one socket is ready or {@code timeoutNanos} has passed (0: look and
     * return at once; {@link #FOREVER}: no limit), and reports every socket.
     */
    public static Readiness[] await(HostSocket[] sockets, Interest[] interests, long timeoutNanos)
            throws FsException {
        int n = sockets.length;
        Readiness[] found = new Readiness[n];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate((long) POLLFD_BYTES * Math.max(1, n));
            for (int i = 0; i < n; i++) {
                fds.set(ValueLayout.JAVA_INT, (long) POLLFD_BYTES * i, sockets[i].liveFd());
                fds.set(ValueLayout.JAVA_SHORT, (long) POLLFD_BYTES * i + 4, interests[i].events);
            }
            MemorySegment timespec = arena.allocate(16, 8);
            long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
            while (true) {
                if (Thread.currentThread().isInterrupted()) {
                    throw SocketErrors.refused(WasiErrno.INTR, "interrupted while polling");
                }
                long left = timeoutNanos < 0 ? SLICE_NANOS
                        : Math.max(0, deadline - System.nanoTime());
                long slice = Math.min(left, SLICE_NANOS);
                timespec.set(ValueLayout.JAVA_LONG, 0, slice / 1_000_000_000L);
                timespec.set(ValueLayout.JAVA_LONG, 8, slice % 1_000_000_000L);
                int ready = SocketNative.ppoll(fds, n, timespec);
                if (ready == -EINTR) {
                    continue;
                }
                SocketErrors.checked("ppoll", ready);
                if (ready > 0 || (timeoutNanos >= 0 && System.nanoTime() >= deadline)) {
                    break;
                }
            }
            for (int i = 0; i < n; i++) {
                short revents = fds.get(ValueLayout.JAVA_SHORT, (long) POLLFD_BYTES * i + 6);
                boolean ready = (revents & (interests[i].events | POLLERR | POLLHUP | POLLNVAL)) != 0;
                found[i] = ready ? new Readiness(true, (revents & POLLHUP) != 0)
                        : Readiness.NOT_READY;
            }
        }
        return found;
    }

    /** Waits without limit until the one socket is ready for {@code interest}. */
    static void awaitOne(HostSocket socket, Interest interest) throws FsException {
        await(new HostSocket[] {socket}, new Interest[] {interest}, FOREVER);
    }
}
