package dev.keep.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.cli.CliRun;
import dev.keep.loader.config.KeepConfigParser;
import dev.keep.loader.config.KeepTomls;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.run.RunRequest;
import dev.keep.loader.run.RunResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keep.toml's listen and connect sockets, served to small WAT apps the three ways an app runs:
 * on the nil backend through the real {@code keep run} command line, the same jailed
 * ({@code --jail}: the supervisor opens the sockets and hands them to the runner), and linked
 * into a keep whose code runs natively ({@link NativeKeepBackend}: the in-keep runtime forwards
 * the calls through the mailbox). Java sockets on loopback are the peers, in a thread of their own.
 */
class WasiSocketsEndToEndTest {
    static final String SOCK_IMPORTS = """
              (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "sock_recv" (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "sock_send" (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "sock_shutdown" (func $sock_shutdown (param i32 i32) (result i32)))
            """;

    /** How the app runs. */
    enum Way { NIL, JAIL, KEEP }

    @TempDir
    Path dir;

    /** A WasiScript app that can also call the sock_* functions; 300 takes an accepted fd. */
    static byte[] app(String body) {
        String wat = WasiScript.wat("(local $c i32) (local $e i32) (local $n i32)", body);
        return LinkedApps.wat(wat.replace("(module\n", "(module\n" + SOCK_IMPORTS));
    }

    private record Ended(int exit, String out, String err) {
    }

    private Ended run(Way way, byte[] wasm, String toml) throws IOException {
        Path app = Files.write(dir.resolve("net.wasm"), wasm);
        Path keepToml = Files.writeString(dir.resolve("Keep.toml"), toml);
        if (way != Way.KEEP) {
            CliRun.Result r = way == Way.NIL
                    ? CliRun.keep("run", "--backend", "nil", "--config", keepToml.toString(), app.toString())
                    : CliRun.keep("run", "--jail", "--config", keepToml.toString(), app.toString());
            return new Ended(r.exit(), r.out(), r.err());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HostStreams streams = new HostStreams(new ByteArrayInputStream(new byte[0]), out,
                new ByteArrayOutputStream(), false);
        RunResult result = new KeepRunner(new BackendSelector(List.of(new NativeKeepBackend())),
                line -> { }).run(RunRequest.of(app, "kvm", streams)
                        .withConfig(KeepConfigParser.parse(keepToml)));
        String printed = out.toString(StandardCharsets.UTF_8);
        return switch (result) {
            case RunResult.Exited e -> new Ended(e.status(), printed, "");
            case RunResult.Trapped t -> new Ended(-1, printed, t.message());
        };
    }

    /** A port nothing listens on now. */
    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** Connects, retrying while the keep has not opened its listener yet. */
    static Socket connect(int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                s.setSoTimeout(10_000);
                return s;
            } catch (IOException refused) {
                s.close();
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(20);
            }
        }
    }

    /** The peer's side of a test, run in its own thread; its failure fails the test. */
    interface PeerScript {
        void run() throws Exception;
    }

    static final class Peer implements AutoCloseable {
        private final Thread thread;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Peer(PeerScript script) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                try {
                    script.run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            thread.join(20_000);
            assertFalse(thread.isAlive(), "the peer did not finish");
            assertNull(failure.get(), () -> "the peer failed: " + failure.get());
        }
    }

    private static String read(InputStream in, int n) throws IOException {
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    private String files(String... entries) throws IOException {
        Path jail = Files.createDirectories(dir.resolve("jail"));
        Files.writeString(jail.resolve("f.txt"), "file");
        StringBuilder toml = new StringBuilder(KeepTomls.STANDARD_STREAMS).append("""
                [[files]]
                kind = "dir"
                host = "%s"
                guest = "/d"
                """.formatted(jail));
        for (String entry : entries) {
            toml.append("[[files]]\n").append(entry);
        }
        return toml.toString();
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void echoOverAnAcceptedConnectionAndTheErrnosAroundIt(Way way) throws Exception {
        int port = freePort();
        byte[] wasm = app("""
                (call $say {"accept"} (call $sock_accept (i32.const 4) (i32.const 0) (i32.const 300)))
                (local.set $c (i32.load (i32.const 300)))
                (call $say {"fd"} (local.get $c))
                (i32.store (i32.const 32) (i32.const 8192))
                (i32.store (i32.const 36) (i32.const 5))
                (i32.store16 (i32.const 304) (i32.const 0xffff))
                (call $say {"recv"} (call $sock_recv (local.get $c) (i32.const 32) (i32.const 1)
                  (i32.const 2) (i32.const 24) (i32.const 304)))
                (call $say {"n"} (i32.load (i32.const 24)))
                (call $say {"roflags"} (i32.load16_u (i32.const 304)))
                (i32.store (i32.const 36) (i32.load (i32.const 24)))
                (call $say {"send"} (call $sock_send (local.get $c) (i32.const 32) (i32.const 1)
                  (i32.const 0) (i32.const 24)))
                (call $say {"sent"} (i32.load (i32.const 24)))
                (call $say {"read"} (call $read (local.get $c) (i32.const 6)))
                (call $say {"got"} (i32.load (i32.const 24)))
                (call $say {"write"} (call $write (local.get $c) (i32.const 8192) (i32.load (i32.const 24))))
                (call $say {"shutdown"} (call $sock_shutdown (local.get $c) (i32.const 2)))
                (call $say {"fdstat"} (call $fd_fdstat_get (local.get $c) (i32.const 136)))
                (call $say {"filetype"} (i32.load8_u (i32.const 136)))
                (call $say {"accept-flags"} (call $sock_accept (i32.const 4) (i32.const 1) (i32.const 300)))
                (call $say {"recv-flags"} (call $sock_recv (local.get $c) (i32.const 32) (i32.const 1)
                  (i32.const 4) (i32.const 24) (i32.const 304)))
                (call $say {"send-flags"} (call $sock_send (local.get $c) (i32.const 32) (i32.const 1)
                  (i32.const 1) (i32.const 24)))
                (call $say {"shutdown-how"} (call $sock_shutdown (local.get $c) (i32.const 0)))
                (call $say {"open"} (call $open (i32.const 3) {"f.txt"} (i32.const 0) (i64.const 2) (i32.const 0)))
                (call $say {"file-recv"} (call $sock_recv (i32.load (i32.const 16)) (i32.const 32)
                  (i32.const 1) (i32.const 0) (i32.const 24) (i32.const 304)))
                (call $say {"stdout-accept"} (call $sock_accept (i32.const 1) (i32.const 0) (i32.const 300)))
                (call $say {"unknown-send"} (call $sock_send (i32.const 99) (i32.const 32) (i32.const 1)
                  (i32.const 0) (i32.const 24)))
                (call $say {"prestat-dir"} (call $fd_prestat_get (i32.const 3) (i32.const 128)))
                (call $say {"prestat-socket"} (call $fd_prestat_get (i32.const 4) (i32.const 128)))
                (call $say {"close"} (call $fd_close (local.get $c)))
                (call $proc_exit (i32.const 0))
                """);
        String toml = files("kind = \"listen\"\naddr = \"127.0.0.1\"\nport = " + port + "\n");
        Ended ended;
        try (Peer peer = new Peer(() -> {
            try (Socket s = connect(port)) {
                s.getOutputStream().write("hel".getBytes(StandardCharsets.UTF_8));
                Thread.sleep(50);   // waitall gathers both parts
                s.getOutputStream().write("lo".getBytes(StandardCharsets.UTF_8));
                assertEquals("hello", read(s.getInputStream(), 5));
                s.getOutputStream().write("world!".getBytes(StandardCharsets.UTF_8));
                assertEquals("world!", new String(s.getInputStream().readAllBytes(),
                        StandardCharsets.UTF_8), "echoed, then the end after shutdown(wr)");
            }
        })) {
            ended = run(way, wasm, toml);
        }
        assertEquals(0, ended.exit(), ended.err());
        assertEquals("""
                accept=0
                fd=5
                recv=0
                n=5
                roflags=0
                send=0
                sent=5
                read=0
                got=6
                write=0
                shutdown=0
                fdstat=0
                filetype=6
                accept-flags=28
                recv-flags=28
                send-flags=28
                shutdown-how=28
                open=0
                file-recv=57
                stdout-accept=57
                unknown-send=8
                prestat-dir=0
                prestat-socket=8
                close=0
                """, ended.out());
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void nonblockingAcceptPollBothWaysAndTheFdLimit(Way way) throws Exception {
        int port = freePort();
        // fd 3 a directory, 4 the listener, 5 a connection to the test's control socket; the
        // accepted connections take fds 6..127 and the one after them is mfile.
        int accepted = 128 - 6;
        byte[] wasm = app("""
                (call $say {"set-nonblock"} (call $fd_fdstat_set_flags (i32.const 4) (i32.const 4)))
                (call $say {"again"} (call $sock_accept (i32.const 4) (i32.const 0) (i32.const 300)))
                (call $say {"blocking"} (call $fd_fdstat_set_flags (i32.const 4) (i32.const 0)))
                (i64.store (i32.const 400) (i64.const 1))
                (i32.store8 (i32.const 408) (i32.const 1))
                (i32.store (i32.const 416) (i32.const 4))
                (i64.store (i32.const 448) (i64.const 2))
                (i32.store8 (i32.const 456) (i32.const 0))
                (i32.store (i32.const 464) (i32.const 1))
                (i64.store (i32.const 472) (i64.const 100000000))
                (i32.store16 (i32.const 488) (i32.const 0))
                (call $say {"poll"} (call $poll_oneoff (i32.const 400) (i32.const 512) (i32.const 2) (i32.const 600)))
                (call $say {"events"} (i32.load (i32.const 600)))
                (call $say {"first"} (i32.load (i32.const 512)))
                (call $say {"go"} (call $write (i32.const 5) {"go"}))
                (i64.store (i32.const 472) (i64.const 10000000000))
                (call $say {"poll"} (call $poll_oneoff (i32.const 400) (i32.const 512) (i32.const 2) (i32.const 600)))
                (call $say {"events"} (i32.load (i32.const 600)))
                (call $say {"first"} (i32.load (i32.const 512)))
                (block $full
                  (loop $more
                    (local.set $e (call $sock_accept (i32.const 4) (i32.const 0) (i32.const 300)))
                    (br_if $full (local.get $e))
                    (local.set $n (i32.add (local.get $n) (i32.const 1)))
                    (br $more)))
                (call $say {"accepted"} (local.get $n))
                (call $say {"mfile"} (local.get $e))
                (call $say {"full"} (call $write (i32.const 5) {"full"}))
                (call $say {"read"} (call $read (i32.const 6) (i32.const 3)))
                (call $printRead)
                (call $proc_exit (i32.const 0))
                """);
        Ended ended;
        try (ServerSocket control = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            control.setSoTimeout(10_000);
            String toml = files("kind = \"listen\"\naddr = \"127.0.0.1\"\nport = " + port + "\n",
                    "kind = \"connect\"\naddr = \"localhost\"\nport = " + control.getLocalPort() + "\n");
            try (Peer peer = new Peer(() -> {
                List<Socket> peers = new ArrayList<>();
                try (Socket keep = control.accept()) {
                    keep.setSoTimeout(10_000);
                    assertEquals("go", read(keep.getInputStream(), 2));
                    for (int i = 0; i <= accepted; i++) {
                        peers.add(connect(port));
                    }
                    assertEquals("full", read(keep.getInputStream(), 4));
                    assertEquals(-1, peers.getLast().getInputStream().read(),
                            "the connection beyond the limit was closed");
                    peers.getFirst().getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8));
                    assertEquals(-1, keep.getInputStream().read(), "the keep closes at exit");
                } finally {
                    for (Socket s : peers) {
                        s.close();
                    }
                }
            })) {
                ended = run(way, wasm, toml);
            }
        }
        assertEquals(0, ended.exit(), ended.err());
        assertEquals("""
                set-nonblock=0
                again=6
                blocking=0
                poll=0
                events=1
                first=2
                go=0
                poll=0
                events=1
                first=1
                accepted=%d
                mfile=33
                full=0
                read=0
                bye
                """.formatted(accepted), ended.out());
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aListenEntryWhosePortIsTakenIsOneLine(Way way) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String toml = KeepTomls.STANDARD_STREAMS + "[[files]]\nkind = \"listen\"\n"
                    + "addr = \"127.0.0.1\"\nport = " + taken.getLocalPort() + "\n";
            byte[] wasm = app("(call $proc_exit (i32.const 0))");
            String expected = "Keep.toml fd 3 (listen 127.0.0.1:" + taken.getLocalPort()
                    + "): Address already in use";
            if (way != Way.KEEP) {
                Ended ended = run(way, wasm, toml);
                assertEquals(1, ended.exit());
                assertEquals("keep: " + expected + "\n", ended.err());
            } else {
                dev.keep.loader.KeepException e = org.junit.jupiter.api.Assertions.assertThrows(
                        dev.keep.loader.KeepException.class, () -> run(way, wasm, toml));
                assertEquals(expected, e.getMessage());
            }
        }
    }
}
