package dev.keep.loader.wasi.net;

import static dev.keep.loader.wasi.net.NetConstants.EAGAIN;
import static dev.keep.loader.wasi.net.NetConstants.EINPROGRESS;
import static dev.keep.loader.wasi.net.NetConstants.EINTR;
import static dev.keep.loader.wasi.net.NetConstants.ETIMEDOUT;
import static dev.keep.loader.wasi.net.NetConstants.FD_CLOEXEC;
import static dev.keep.loader.wasi.net.NetConstants.F_GETFL;
import static dev.keep.loader.wasi.net.NetConstants.F_SETFD;
import static dev.keep.loader.wasi.net.NetConstants.F_SETFL;
import static dev.keep.loader.wasi.net.NetConstants.MSG_NOSIGNAL;
import static dev.keep.loader.wasi.net.NetConstants.MSG_PEEK;
import static dev.keep.loader.wasi.net.NetConstants.O_NONBLOCK;
import static dev.keep.loader.wasi.net.NetConstants.SHUT_RD;
import static dev.keep.loader.wasi.net.NetConstants.SHUT_RDWR;
import static dev.keep.loader.wasi.net.NetConstants.SHUT_WR;
import static dev.keep.loader.wasi.net.NetConstants.SOCK_CLOEXEC;
import static dev.keep.loader.wasi.net.NetConstants.SOCK_NONBLOCK;
import static dev.keep.loader.wasi.net.NetConstants.SOCK_STREAM;
import static dev.keep.loader.wasi.net.NetConstants.SOL_SOCKET;
import static dev.keep.loader.wasi.net.NetConstants.SO_ERROR;
import static dev.keep.loader.wasi.net.NetConstants.SO_REUSEADDR;

import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.fs.WasiErrno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP socket of the host held for a keep: a listener or a connected stream, IPv4 or IPv6. The
 * host descriptor is always O_NONBLOCK and close-on-exec, so no call can stall the host by
 * itself; a call the keep wants to block ({@code wait}) waits in poll(2) until the socket is
 * ready and tries again. Sends carry MSG_NOSIGNAL: a peer that went away is {@code pipe}, never
 * a SIGPIPE to the JVM. Failures are {@link FsException}s carrying the WASI errno.
 */
public final class HostSocket implements AutoCloseable {
    /** What the socket is for. */
    public enum Kind { LISTENER, STREAM }

    private final int fd;
    private final Kind kind;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HostSocket(int fd, Kind kind) {
        this.fd = fd;
        this.kind = kind;
    }

    /** socket + SO_REUSEADDR + bind + listen: a listener on {@code address:port}. */
    public static HostSocket listen(InetAddress address, int port, int backlog) throws FsException {
        int fd = newSocket(address);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(ValueLayout.JAVA_INT);
            one.set(ValueLayout.JAVA_INT, 0, 1);
            SocketErrors.checked("setsockopt(SO_REUSEADDR)",
                    SocketNative.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one));
            SocketErrors.checked("bind", SocketNative.bind(fd,
                    SocketAddresses.of(arena, address, port)));
            SocketErrors.checked("listen", SocketNative.listen(fd, backlog));
            return new HostSocket(fd, Kind.LISTENER);
        } catch (FsException | RuntimeException e) {
            SocketNative.close(fd);
            throw e;
        }
    }

    /**
     * A connection to {@code address:port}, given up with {@code timedout} after
     * {@code timeoutNanos}.
     */
    public static HostSocket connect(InetAddress address, int port, long timeoutNanos)
            throws FsException {
        int fd = newSocket(address);
        try (Arena arena = Arena.ofConfined()) {
            int started = SocketNative.connect(fd, SocketAddresses.of(arena, address, port));
            if (started == -EINPROGRESS || started == -EINTR) {
                HostSocket pending = new HostSocket(fd, Kind.STREAM);
                SocketPoll.Readiness[] ready = SocketPoll.await(new HostSocket[] {pending},
                        new SocketPoll.Interest[] {SocketPoll.Interest.WRITE}, timeoutNanos);
                if (!ready[0].ready()) {
                    throw SocketErrors.fromKernel("connect", ETIMEDOUT);
                }
                MemorySegment error = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
                length.set(ValueLayout.JAVA_INT, 0, 4);
                SocketErrors.checked("getsockopt(SO_ERROR)",
                        SocketNative.getsockopt(fd, SOL_SOCKET, SO_ERROR, error, length));
                int failure = error.get(ValueLayout.JAVA_INT, 0);
                if (failure != 0) {
                    throw SocketErrors.fromKernel("connect", failure);
                }
            } else {
                SocketErrors.checked("connect", started);
            }
            return new HostSocket(fd, Kind.STREAM);
        } catch (FsException | RuntimeException e) {
            SocketNative.close(fd);
            throw e;
        }
    }

    /**
     * Takes over a socket descriptor opened elsewhere (handed over by fd passing, say): it is
     * made non-blocking and close-on-exec here, as the keep's sockets always are.
     */
    public static HostSocket adopt(int fd, Kind kind) throws FsException {
        int flags = SocketErrors.checked("fcntl(F_GETFL)", SocketNative.fcntl(fd, F_GETFL, 0));
        SocketErrors.checked("fcntl(F_SETFL)", SocketNative.fcntl(fd, F_SETFL, flags | O_NONBLOCK));
        SocketErrors.checked("fcntl(F_SETFD)", SocketNative.fcntl(fd, F_SETFD, FD_CLOEXEC));
        return new HostSocket(fd, kind);
    }

    private static int newSocket(InetAddress address) throws FsException {
        return SocketErrors.checked("socket", SocketNative.socket(SocketAddresses.family(address),
                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    }

    public Kind kind() {
        return kind;
    }

    public boolean isListener() {
        return kind == Kind.LISTENER;
    }

    /**
     * The next waiting connection; without {@code wait}, {@code again} when none is waiting.
     */
    public HostSocket accept(boolean wait) throws FsException {
        while (true) {
            int accepted = SocketNative.accept4(liveFd(), SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (accepted >= 0) {
                return new HostSocket(accepted, Kind.STREAM);
            }
            if (accepted == -EINTR) {
                continue;
            }
            if (accepted != -EAGAIN || !wait) {
                throw SocketErrors.fromKernel("accept", -accepted);
            }
            SocketPoll.awaitOne(this, SocketPoll.Interest.READ);
        }
    }

    /**
     * Receives up to {@code into.length} bytes: the count, 0 at the end of the stream. With
     * {@code waitAll} and {@code wait} it gathers until the buffer is full, the stream ends or an
     * error follows some bytes (MSG_WAITALL); with {@code peek} the bytes stay queued, and a
     * waiting peek waits for the first bytes only (it cannot gather). Without {@code wait},
     * {@code again} when nothing is queued.
     */
    public int receive(byte[] into, boolean peek, boolean waitAll, boolean wait)
            throws FsException {
        if (into.length == 0) {
            return 0;
        }
        boolean gather = waitAll && wait && !peek;
        int got = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(into.length);
            while (got < into.length) {
                long r = SocketNative.recv(liveFd(), buffer.asSlice(got), peek ? MSG_PEEK : 0);
                if (r == -EINTR) {
                    continue;
                }
                if (r == -EAGAIN && wait) {
                    SocketPoll.awaitOne(this, SocketPoll.Interest.READ);
                    continue;
                }
                if (r < 0) {
                    if (got > 0) {
                        break;   // the bytes already taken are the answer; the error comes next
                    }
                    throw SocketErrors.fromKernel("recv", (int) -r);
                }
                got += (int) r;
                if (r == 0 || !gather) {
                    break;
                }
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, 0, got);
        }
        return got;
    }

    /**
     * Sends what the kernel takes of {@code data} (a short count is not an error); without
     * {@code wait}, {@code again} when its buffer is full.
     */
    public int send(byte[] data, boolean wait) throws FsException {
        if (data.length == 0) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(data.length);
            MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
            while (true) {
                long r = SocketNative.send(liveFd(), buffer, MSG_NOSIGNAL);
                if (r == -EINTR) {
                    continue;
                }
                if (r == -EAGAIN && wait) {
                    SocketPoll.awaitOne(this, SocketPoll.Interest.WRITE);
                    continue;
                }
                if (r < 0) {
                    throw SocketErrors.fromKernel("send", (int) -r);
                }
                return (int) r;
            }
        }
    }

    /** shutdown(2) of one direction or both; the kernel's notconn passes through. */
    public void shutdown(boolean reading, boolean writing) throws FsException {
        if (!reading && !writing) {
            throw SocketErrors.refused(WasiErrno.INVAL, "shutdown of no direction");
        }
        int how = reading && writing ? SHUT_RDWR : reading ? SHUT_RD : SHUT_WR;
        SocketErrors.checked("shutdown", SocketNative.shutdown(liveFd(), how));
    }

    /** The address the socket is bound to (getsockname). */
    public InetSocketAddress localAddress() throws FsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(SocketAddresses.STORAGE_BYTES);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, SocketAddresses.STORAGE_BYTES);
            SocketErrors.checked("getsockname", SocketNative.getsockname(liveFd(), address, length));
            InetSocketAddress read = SocketAddresses.read(address);
            if (read == null) {
                throw SocketErrors.refused(WasiErrno.AFNOSUPPORT, "not an IP socket");
            }
            return read;
        }
    }

    /**
     * Gives up the host descriptor without closing it, for handing it to another process (the
     * jailed runner, which adopts it): this object is closed from now on and the caller owns
     * the descriptor.
     */
    public int release() throws FsException {
        int live = liveFd();
        closed.set(true);
        return live;
    }

    int liveFd() throws FsException {
        if (closed.get()) {
            throw SocketErrors.refused(WasiErrno.BADF, "socket is closed");
        }
        return fd;
    }

    /** Closes the host descriptor once; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            SocketNative.close(fd);
        }
    }
}
