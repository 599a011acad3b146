package dev.keep.loader.wasi.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.wasi.fs.WasiErrno;
import dev.keep.loader.wasi.net.HostSocket;
import dev.keep.shim.abi.WasiCall;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WASI host's sockets over real loopback connections: a listener handed to the keep at fd 3,
 * connections accepted from it, and Java {@link Socket}s as the peers.
 */
class WasiSocketsTest {
    private static final int NONBLOCK = 4;
    private static final int CAPACITY = 4096;

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    /** A handler whose fd 3 is a listener on loopback (and fd 4 a directory when asked). */
    private Keep keep(InetAddress address, KeepLimits limits, boolean withDirectory) throws Exception {
        HostSocket listener = HostSocket.listen(address, 0, 16);
        int port = listener.localAddress().getPort();
        List<LaunchFd> fds = new ArrayList<>();
        fds.add(new LaunchSocket(listener, "listen test"));
        if (withDirectory) {
            fds.add(new Preopen("/d", dir, false));
        }
        WasiCallHandler handler = new WasiCallHandler(new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream(), new ByteArrayOutputStream(), fds, limits);
        open.add(handler);
        return new Keep(handler, new InetSocketAddress(address, port));
    }

    private Keep keep() throws Exception {
        return keep(InetAddress.getLoopbackAddress(), KeepLimits.DEFAULT, false);
    }

    private Socket client(Keep keep) throws IOException {
        Socket s = new Socket();
        s.connect(keep.address, 5000);
        s.setSoTimeout(5000);
        open.add(s);
        return s;
    }

    private record Keep(WasiCallHandler handler, InetSocketAddress address) {
        WasiReply call(WasiCall call, long... args) {
            return handler.perform(call, args, List.of(), CAPACITY);
        }

        WasiReply send(long fd, byte[] data, long flags) {
            return handler.perform(WasiCall.SOCK_SEND, new long[] {fd, 0, data.length, flags, 0},
                    List.of(data), CAPACITY);
        }

        WasiReply recv(long fd, int capacity, long flags) {
            return handler.perform(WasiCall.SOCK_RECV, new long[] {fd, 0, capacity, flags, 0, 0},
                    List.of(), capacity);
        }

        int accept(long flags) {
            WasiReply r = call(WasiCall.SOCK_ACCEPT, 3, flags, 0);
            assertEquals(0, r.errno(), "sock_accept");
            return ByteBuffer.wrap(r.fixed()).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }

        WasiReply poll(byte[]... subscriptions) {
            ByteBuffer all = ByteBuffer.allocate(48 * subscriptions.length);
            for (byte[] s : subscriptions) {
                all.put(s);
            }
            return handler.perform(WasiCall.POLL_ONEOFF, new long[] {0, 0, subscriptions.length, 0},
                    List.of(all.array()), 32 * subscriptions.length);
        }
    }

    private static byte[] fdSubscription(long userdata, int tag, int fd) {
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, userdata).put(8, (byte) tag).putInt(16, fd);
        return b.array();
    }

    private static byte[] clockSubscription(long userdata, long timeoutNanos) {
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, userdata).put(8, (byte) 0).putInt(16, 1).putLong(24, timeoutNanos);
        return b.array();
    }

    /** Events as "userdata:type:error:flags". */
    private static List<String> events(WasiReply reply) {
        assertEquals(0, reply.errno(), "poll_oneoff");
        ByteBuffer b = ByteBuffer.wrap(reply.variable()).order(ByteOrder.LITTLE_ENDIAN);
        List<String> out = new ArrayList<>();
        for (int at = 0; at < reply.variable().length; at += 32) {
            out.add(b.getLong(at) + ":" + b.get(at + 10) + ":" + b.getShort(at + 8) + ":"
                    + b.getShort(at + 24));
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String readAll(InputStream in, int n) throws IOException {
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    @Test
    void acceptReceiveSendAndShutDownOverLoopback() throws Exception {
        Keep keep = keep();
        Socket peer = client(keep);
        int fd = keep.accept(0);
        assertEquals(4, fd);
        peer.getOutputStream().write(bytes("hello keep"));
        WasiReply peeked = keep.recv(fd, 5, 1);
        assertEquals("hello", new String(peeked.variable(), StandardCharsets.UTF_8));
        WasiReply got = keep.recv(fd, 10, 2);   // waitall: all 10 bytes
        assertEquals(0, got.errno());
        assertArrayEquals(new byte[2], got.fixed(), "ro_flags is a u16 of 0");
        assertEquals("hello keep", new String(got.variable(), StandardCharsets.UTF_8));
        assertEquals(10, got.result());
        WasiReply sent = keep.send(fd, bytes("welcome"), 0);
        assertEquals(0, sent.errno());
        assertEquals(7, sent.result());
        assertEquals("welcome", readAll(peer.getInputStream(), 7));
        // fd_read and fd_write on a stream socket are recv and send without flags.
        WasiReply written = keep.handler.perform(WasiCall.FD_WRITE, new long[] {fd, 0, 2, 0},
                List.of(bytes("ok")), CAPACITY);
        assertEquals(2, written.result());
        assertEquals("ok", readAll(peer.getInputStream(), 2));
        peer.getOutputStream().write(bytes("more"));
        WasiReply read = keep.call(WasiCall.FD_READ, fd, 0, CAPACITY, 0);
        assertEquals("more", new String(read.variable(), StandardCharsets.UTF_8));
        assertEquals(0, keep.call(WasiCall.SOCK_SHUTDOWN, fd, 2).errno());
        assertEquals(-1, peer.getInputStream().read(), "the peer sees the end after shutdown(wr)");
        peer.close();
        WasiReply end = keep.recv(fd, 100, 0);
        assertEquals(0, end.errno());
        assertEquals(0, end.result(), "the end of the stream reads as 0 bytes");
        assertEquals(0, keep.call(WasiCall.FD_CLOSE, fd).errno());
        assertEquals(WasiErrno.BADF.code(), keep.recv(fd, 10, 0).errno());
    }

    @Test
    void waitAllGathersBytesThatArriveLater() throws Exception {
        Keep keep = keep();
        Socket peer = client(keep);
        int fd = keep.accept(0);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                peer.getOutputStream().write(bytes("abc"));
                Thread.sleep(150);
                peer.getOutputStream().write(bytes("defg"));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        WasiReply got = keep.recv(fd, 7, 2);
        writer.join();
        assertEquals("abcdefg", new String(got.variable(), StandardCharsets.UTF_8));
        assertEquals(7, got.result());
    }

    @Test
    void nonblockingAcceptAndReceiveAnswerAgain() throws Exception {
        Keep keep = keep();
        assertEquals(0, keep.call(WasiCall.FD_FDSTAT_SET_FLAGS, 3, NONBLOCK).errno());
        assertEquals(WasiErrno.AGAIN.code(), keep.call(WasiCall.SOCK_ACCEPT, 3, 0, 0).errno());
        client(keep);
        int fd = keep.accept(NONBLOCK);
        WasiReply stat = keep.call(WasiCall.FD_FDSTAT_GET, fd, 0);
        assertEquals(6, stat.fixed()[0], "filetype socket_stream");
        assertEquals(NONBLOCK, stat.fixed()[2], "fdflags nonblock");
        long rights = ByteBuffer.wrap(stat.fixed()).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
        assertEquals(FdRights.SOCKET_STREAM, rights);
        assertEquals(WasiErrno.AGAIN.code(), keep.recv(fd, 10, 0).errno());
        assertEquals(WasiErrno.AGAIN.code(), keep.call(WasiCall.FD_READ, fd, 0, 10, 0).errno());
        // Back to blocking: only nonblock may change, append is notsup.
        assertEquals(0, keep.call(WasiCall.FD_FDSTAT_SET_FLAGS, fd, 0).errno());
        assertEquals(0, keep.call(WasiCall.FD_FDSTAT_GET, fd, 0).fixed()[2]);
        assertEquals(WasiErrno.NOTSUP.code(), keep.call(WasiCall.FD_FDSTAT_SET_FLAGS, fd, 1).errno());
        WasiReply listenerStat = keep.call(WasiCall.FD_FDSTAT_GET, 3, 0);
        assertEquals(6, listenerStat.fixed()[0]);
        assertEquals(FdRights.SOCKET_LISTENER,
                ByteBuffer.wrap(listenerStat.fixed()).order(ByteOrder.LITTLE_ENDIAN).getLong(8));
    }

    @Test
    void badFlagsAreInvalAndOtherFdsAreNotSockets() throws Exception {
        Keep keep = keep(InetAddress.getLoopbackAddress(), KeepLimits.DEFAULT, true);
        client(keep);
        int fd = keep.accept(0);
        assertEquals(WasiErrno.INVAL.code(), keep.call(WasiCall.SOCK_ACCEPT, 3, 1, 0).errno());
        assertEquals(WasiErrno.INVAL.code(), keep.call(WasiCall.SOCK_ACCEPT, 3, 8, 0).errno());
        assertEquals(WasiErrno.INVAL.code(), keep.recv(fd, 10, 4).errno());
        assertEquals(WasiErrno.INVAL.code(), keep.send(fd, bytes("x"), 1).errno());
        assertEquals(WasiErrno.INVAL.code(), keep.call(WasiCall.SOCK_SHUTDOWN, fd, 0).errno());
        assertEquals(WasiErrno.INVAL.code(), keep.call(WasiCall.SOCK_SHUTDOWN, fd, 4).errno());
        // A connection is no listener; stdout and a directory are no sockets; 99 is not open.
        assertEquals(WasiErrno.NOTSOCK.code(), keep.call(WasiCall.SOCK_ACCEPT, fd, 0, 0).errno());
        for (long other : new long[] {1, 4}) {
            assertEquals(WasiErrno.NOTSOCK.code(), keep.call(WasiCall.SOCK_ACCEPT, other, 0, 0).errno());
            assertEquals(WasiErrno.NOTSOCK.code(), keep.recv(other, 10, 0).errno());
            assertEquals(WasiErrno.NOTSOCK.code(), keep.send(other, bytes("x"), 0).errno());
            assertEquals(WasiErrno.NOTSOCK.code(), keep.call(WasiCall.SOCK_SHUTDOWN, other, 1).errno());
        }
        assertEquals(WasiErrno.BADF.code(), keep.call(WasiCall.SOCK_ACCEPT, 99, 0, 0).errno());
        assertEquals(WasiErrno.BADF.code(), keep.call(WasiCall.SOCK_SHUTDOWN, 99, 1).errno());
        // Sockets have no offsets and are no preopens; their stat says socket_stream.
        assertEquals(WasiErrno.SPIPE.code(), keep.call(WasiCall.FD_PREAD, fd, 0, 10, 0, 0).errno());
        assertEquals(WasiErrno.SPIPE.code(), keep.handler.perform(WasiCall.FD_PWRITE,
                new long[] {fd, 0, 1, 0, 0}, List.of(bytes("x")), CAPACITY).errno());
        assertEquals(WasiErrno.SPIPE.code(), keep.call(WasiCall.FD_SEEK, fd, 0, 0, 0).errno());
        assertEquals(WasiErrno.SPIPE.code(), keep.call(WasiCall.FD_TELL, fd, 0).errno());
        assertEquals(WasiErrno.BADF.code(), keep.call(WasiCall.FD_PRESTAT_GET, 3, 0).errno());
        assertEquals(0, keep.call(WasiCall.FD_PRESTAT_GET, 4, 0).errno(), "the directory after it");
        assertEquals(6, keep.call(WasiCall.FD_FILESTAT_GET, fd, 0).fixed()[16]);
    }

    @Test
    void connectionsBeyondTheFdLimitAreMfileAndClosed() throws Exception {
        Keep keep = keep(InetAddress.getLoopbackAddress(), new KeepLimits(5, 4096), false);
        Socket first = client(keep);
        assertEquals(4, keep.accept(0));
        Socket second = client(keep);
        assertEquals(WasiErrno.MFILE.code(), keep.call(WasiCall.SOCK_ACCEPT, 3, 0, 0).errno());
        assertEquals(-1, second.getInputStream().read(), "the refused connection is closed");
        assertEquals(5, keep.handler.openFds());
        // After a close there is room again, and renumber moves a socket like any fd.
        assertEquals(0, keep.call(WasiCall.FD_RENUMBER, 4, 3).errno());
        assertEquals(WasiErrno.NOTSOCK.code(), keep.call(WasiCall.SOCK_ACCEPT, 3, 0, 0).errno());
        first.getOutputStream().write(bytes("x"));
        assertEquals("x", new String(keep.recv(3, 10, 0).variable(), StandardCharsets.UTF_8));
    }

    @Test
    void pollWaitsForAConnectionOrTheClock() throws Exception {
        Keep keep = keep();
        long start = System.nanoTime();
        List<String> timedOut = events(keep.poll(fdSubscription(7, 1, 3),
                clockSubscription(8, 100_000_000L)));
        long waited = System.nanoTime() - start;
        assertEquals(List.of("8:0:0:0"), timedOut);
        assertTrue(waited >= 100_000_000L && waited < 3_000_000_000L, "waited " + waited);
        client(keep);
        start = System.nanoTime();
        List<String> pending = events(keep.poll(fdSubscription(7, 1, 3),
                clockSubscription(8, 5_000_000_000L)));
        assertEquals(List.of("7:1:0:0"), pending);
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "a waiting connection is ready at once");
    }

    @Test
    void pollWithoutAClockWaitsUntilDataArrives() throws Exception {
        Keep keep = keep();
        Socket peer = client(keep);
        int fd = keep.accept(0);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(150);
                peer.getOutputStream().write(bytes("late"));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long start = System.nanoTime();
        List<String> ready = events(keep.poll(fdSubscription(1, 1, fd), fdSubscription(2, 1, 3)));
        writer.join();
        assertEquals(List.of("1:1:0:0"), ready);
        assertTrue(System.nanoTime() - start >= 100_000_000L);
        // Writable at once; a file or stream subscription makes the poll only look.
        assertEquals(List.of("3:2:0:0"), events(keep.poll(fdSubscription(3, 2, fd))));
        assertEquals(List.of("4:1:0:0", "5:2:0:0"),
                events(keep.poll(fdSubscription(4, 1, fd), fdSubscription(5, 2, 1))));
        assertEquals(List.of("6:1:8:0"), events(keep.poll(fdSubscription(6, 1, 99))));
    }

    @Test
    void aPeerThatHungUpIsReportedAndNeverSignalsTheHost() throws Exception {
        Keep keep = keep();
        Socket peer = client(keep);
        int fd = keep.accept(0);
        peer.close();
        assertEquals(0, keep.call(WasiCall.SOCK_SHUTDOWN, fd, 2).errno());
        // Both directions closed: hang-up, readable (at the end of the stream).
        assertEquals(List.of("9:1:0:1"), events(keep.poll(fdSubscription(9, 1, fd))));
        assertEquals(0, keep.recv(fd, 10, 0).result());
        // Writing after shutdown(wr) is pipe (MSG_NOSIGNAL: no SIGPIPE reaches the JVM).
        assertEquals(WasiErrno.PIPE.code(), keep.send(fd, bytes("nobody"), 0).errno());
    }

    @Test
    void aResetConnectionReportsTheKernelsErrors() throws Exception {
        Keep keep = keep();
        Socket peer = client(keep);
        int fd = keep.accept(0);
        peer.setSoLinger(true, 0);   // close with a reset
        peer.close();
        assertEquals(List.of("1:1:0:1"), events(keep.poll(fdSubscription(1, 1, fd))));
        assertEquals(WasiErrno.CONNRESET.code(), keep.recv(fd, 10, 0).errno());
        assertEquals(WasiErrno.NOTCONN.code(), keep.call(WasiCall.SOCK_SHUTDOWN, fd, 3).errno());
    }

    @Test
    void aBlockingWaitUsesNoCpuAndEndsWithIntrWhenItsThreadIsInterrupted() throws Exception {
        Keep keep = keep();
        java.util.concurrent.atomic.AtomicReference<WasiReply> reply =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread waiting = Thread.ofPlatform().start(
                () -> reply.set(keep.call(WasiCall.SOCK_ACCEPT, 3, 0, 0)));
        java.lang.management.ThreadMXBean threads =
                java.lang.management.ManagementFactory.getThreadMXBean();
        Thread.sleep(200);
        long cpuBefore = threads.getThreadCpuTime(waiting.threadId());
        Thread.sleep(600);
        long cpuDuring = threads.getThreadCpuTime(waiting.threadId()) - cpuBefore;
        assertTrue(waiting.isAlive(), "accept returned with nobody connecting: " + reply.get());
        assertTrue(cpuDuring < 100_000_000L, "the wait spun: " + cpuDuring + " ns of CPU");
        waiting.interrupt();
        waiting.join(5000);
        assertEquals(WasiErrno.INTR.code(), reply.get().errno());
    }

    @Test
    void ipv6Loopback() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        Keep keep = keep(v6, KeepLimits.DEFAULT, false);
        Socket peer = client(keep);
        int fd = keep.accept(0);
        assertEquals(0, keep.send(fd, bytes("v6"), 0).errno());
        assertEquals("v6", readAll(peer.getInputStream(), 2));
    }
}
