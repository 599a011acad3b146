package dev.keep.loader.link;

import static dev.keep.shim.abi.HostcallAbi.HEADER_SIZE;
import static dev.keep.shim.abi.HostcallAbi.OFF_OPCODE;
import static dev.keep.shim.abi.HostcallAbi.OFF_REPLY_LENGTH;
import static dev.keep.shim.abi.HostcallAbi.OFF_RESULT;
import static dev.keep.shim.abi.HostcallAbi.OFF_STATUS;
import static dev.keep.shim.abi.HostcallAbi.OP_WASI;
import static dev.keep.shim.abi.HostcallAbi.WASI_OFF_CALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.link.LinkedApps.Run;
import dev.keep.loader.link.WasiSocketsEndToEndTest.Peer;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.LaunchFd;
import dev.keep.loader.wasi.host.LaunchSocket;
import dev.keep.loader.wasi.host.Preopen;
import dev.keep.loader.wasi.net.HostSocket;
import dev.keep.shim.abi.WasiCall;
import dev.keep.shim.link.LaunchConfig;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sock_* calls in a keep run natively, forwarded to the host like any fd call: on fds that
 * are no sockets the host answers notsock (badf when not open), and a host that lies in a
 * sock_recv or sock_send reply (more bytes than the keep asked for, a reply length that does not
 * match, a status that is no WASI errno) stops the keep with a fault before the app sees anything.
 */
class SocketRepliesInKeepTest {
    private static final ValueLayout.OfInt U32 = LinkedApps.MAILBOX_U32;
    private static final ValueLayout.OfLong U64 = LinkedApps.MAILBOX_U64;
    private static final int SIGILL = LinkedApps.SIGILL;

    @TempDir
    Path jail;

    private static Run run(byte[] wasm, List<? extends LaunchFd> fds, Consumer<MemorySegment> tamper)
            throws Exception {
        return LinkedApps.keep(wasm, LaunchConfig.of("sock.wasm"), new byte[0], fds,
                KeepLimits.DEFAULT, tamper);
    }

    @Test
    void fdsThatAreNoSocketsAreNotsockAndOthersBadf() throws Exception {
        Run keep = run(WasiSocketsEndToEndTest.app("""
                (i64.store (i32.const 300) (i64.const 0x1122334455667788))
                (call $say {"stdout"} (call $sock_shutdown (i32.const 1) (i32.const 1)))
                (call $say {"preopen"} (call $sock_shutdown (i32.const 3) (i32.const 3)))
                (call $say {"closed"} (call $sock_shutdown (i32.const 4) (i32.const 1)))
                (call $say {"huge"} (call $sock_shutdown (i32.const -1) (i32.const 1)))
                (call $say {"how-is-no-pointer"} (call $sock_shutdown (i32.const 2) (i32.const 300)))
                (call $say {"accept-dir"} (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 300)))
                (call $say {"untouched"} (i64.eq (i64.load (i32.const 300)) (i64.const 0x1122334455667788)))
                (call $proc_exit (i32.const 0))
                """), List.of(new Preopen("/", jail, false)), m -> { });
        assertNull(keep.fault(), keep::fault);
        assertEquals("stdout=57\npreopen=57\nclosed=8\nhuge=8\nhow-is-no-pointer=57\naccept-dir=57\n"
                + "untouched=1\n", keep.out());
    }

    /** Accepts on fd 3, receives up to 10 bytes and sends them back; prints only afterwards. */
    private static final byte[] ECHO_ONCE = WasiSocketsEndToEndTest.app("""
            (local.set $e (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 300)))
            (local.set $c (i32.load (i32.const 300)))
            (i32.store (i32.const 32) (i32.const 8192))
            (i32.store (i32.const 36) (i32.const 10))
            (local.set $n (call $sock_recv (local.get $c) (i32.const 32) (i32.const 1) (i32.const 0)
              (i32.const 24) (i32.const 304)))
            (i32.store (i32.const 36) (i32.load (i32.const 24)))
            (local.set $n (i32.add (local.get $n) (call $sock_send (local.get $c) (i32.const 32)
              (i32.const 1) (i32.const 0) (i32.const 24))))
            (call $say {"accept"} (local.get $e))
            (call $say {"errnos"} (local.get $n))
            (call $printRead)
            (call $proc_exit (i32.const 0))
            """);

    /** One run of ECHO_ONCE with a peer that sends "abc" and reads what comes back. */
    private static Run echoOnce(Consumer<MemorySegment> tamper, String expectedBack) throws Exception {
        HostSocket listener = HostSocket.listen(InetAddress.getLoopbackAddress(), 0, 4);
        int port = listener.localAddress().getPort();
        Run run;
        try (Peer peer = new Peer(() -> {
            try (Socket s = WasiSocketsEndToEndTest.connect(port)) {
                s.getOutputStream().write("abc".getBytes(StandardCharsets.UTF_8));
                InputStream in = s.getInputStream();
                assertEquals(expectedBack, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        })) {
            run = run(ECHO_ONCE, List.of(new LaunchSocket(listener, "listen test")), tamper);
        }
        return run;
    }

    @Test
    void anHonestHostEchoes() throws Exception {
        Run keep = echoOnce(m -> { }, "abc");
        assertNull(keep.fault(), keep::fault);
        assertEquals("accept=0\nerrnos=0\nabc\n", keep.out());
    }

    @Test
    void aHostThatLiesInASocketReplyStopsTheKeep() throws Exception {
        record Lie(WasiCall call, Consumer<MemorySegment> change) {
        }
        List<Lie> lies = List.of(
                new Lie(WasiCall.SOCK_RECV, m -> {            // more than the 10 bytes asked for
                    m.set(U64, OFF_RESULT, 11);
                    m.set(U32, OFF_REPLY_LENGTH, 13);
                }),
                new Lie(WasiCall.SOCK_RECV, m -> m.set(U32, OFF_REPLY_LENGTH, 3)),  // no ro_flags
                new Lie(WasiCall.SOCK_RECV, m -> m.set(U32, OFF_STATUS, -1)),       // no errno
                new Lie(WasiCall.SOCK_SEND, m -> m.set(U64, OFF_RESULT, 4)));       // sent 3 bytes
        for (Lie lie : lies) {
            // The peer gets nothing back: the keep stops before it sends, or before it prints.
            Run lied = echoOnce(m -> {
                if (m.get(U32, OFF_OPCODE) == OP_WASI
                        && m.get(U32, HEADER_SIZE + WASI_OFF_CALL) == lie.call().id) {
                    lie.change().accept(m);
                }
            }, lie.call() == WasiCall.SOCK_SEND ? "abc" : "");
            assertNotNull(lied.fault(), () -> "the keep believed a lie: " + lied.out());
            assertTrue(lied.fault().startsWith("F " + SIGILL + " "), lied.fault());
            assertEquals("", lied.out());
        }
    }
}
