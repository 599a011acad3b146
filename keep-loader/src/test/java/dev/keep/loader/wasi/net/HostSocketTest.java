package dev.keep.loader.wasi.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.fs.WasiErrno;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The host's socket calls on real loopback sockets: errors carry the kernel's errno. */
class HostSocketTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void aTakenPortIsAddrinuseAndAFreeOneListens() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
            FsException e = assertThrows(FsException.class,
                    () -> HostSocket.listen(LOOPBACK, taken.getLocalPort(), 4));
            assertEquals(WasiErrno.ADDRINUSE, e.wasiErrno());
            assertEquals(98, e.hostErrno());
        }
        try (HostSocket listener = HostSocket.listen(LOOPBACK, 0, 4)) {
            assertTrue(listener.isListener());
            assertEquals(LOOPBACK, listener.localAddress().getAddress());
            assertTrue(listener.localAddress().getPort() > 0);
        }
    }

    @Test
    void connectReachesAListenerAndAClosedPortIsRefused() throws Exception {
        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            closed = probe.getLocalPort();
        }
        FsException refused = assertThrows(FsException.class,
                () -> HostSocket.connect(LOOPBACK, closed, 2_000_000_000L));
        assertEquals(WasiErrno.CONNREFUSED, refused.wasiErrno());
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
                HostSocket connected = HostSocket.connect(LOOPBACK, server.getLocalPort(), 2_000_000_000L);
                Socket accepted = server.accept()) {
            assertEquals(HostSocket.Kind.STREAM, connected.kind());
            assertEquals(4, connected.send("ping".getBytes(StandardCharsets.UTF_8), true));
            assertEquals("ping", new String(accepted.getInputStream().readNBytes(4), StandardCharsets.UTF_8));
        }
    }

    @Test
    void anAdoptedDescriptorBecomesNonblockingAndCloseOnExec() throws Exception {
        // A plain blocking socket, as a descriptor handed over by another process might be.
        int fd = SocketNative.socket(NetConstants.AF_INET, NetConstants.SOCK_STREAM, 0);
        assertTrue(fd >= 0);
        assertEquals(0, SocketNative.fcntl(fd, NetConstants.F_GETFL, 0) & NetConstants.O_NONBLOCK);
        try (HostSocket adopted = HostSocket.adopt(fd, HostSocket.Kind.STREAM)) {
            assertEquals(NetConstants.O_NONBLOCK,
                    SocketNative.fcntl(fd, NetConstants.F_GETFL, 0) & NetConstants.O_NONBLOCK);
            assertEquals(NetConstants.FD_CLOEXEC, SocketNative.fcntl(fd, NetConstants.F_GETFD, 0));
            // Not connected: the kernel's notconn reaches the caller, and nothing waits.
            FsException e = assertThrows(FsException.class,
                    () -> adopted.receive(new byte[4], false, false, true));
            assertEquals(WasiErrno.NOTCONN, e.wasiErrno());
        }
        assertEquals(WasiErrno.BADF, assertThrows(FsException.class,
                () -> HostSocket.adopt(-1, HostSocket.Kind.STREAM)).wasiErrno());
    }
}
