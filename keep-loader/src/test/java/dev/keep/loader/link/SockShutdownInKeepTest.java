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
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.Preopen;
import dev.keep.shim.abi.WasiCall;
import dev.keep.shim.link.LaunchConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sock_shutdown in a keep run natively: no keep descriptor is a socket, so an open fd (a stream
 * or a preopened directory) answers notsock and any other badf, as wasmtime does; the keep asks
 * the host whether the fd is open with a checked fd_fdstat_get and writes nothing to the app's
 * memory. A host that lies in that reply stops the keep.
 */
class SockShutdownInKeepTest {
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int SIGILL = 4;
    private static final String IMPORT = "(import \"wasi_snapshot_preview1\" \"sock_shutdown\""
            + " (func $sock_shutdown (param i32 i32) (result i32)))";

    @TempDir
    Path jail;

    /** A WasiScript app that can also call $sock_shutdown. */
    private static byte[] app(String body) {
        String wat = WasiScript.wat("", body);
        return LinkedApps.wat(wat.replace("(module\n", "(module\n  " + IMPORT + "\n"));
    }

    private Run run(byte[] wasm, Consumer<MemorySegment> tamper) throws Exception {
        return LinkedApps.keep(wasm, LaunchConfig.of("sock.wasm"), new byte[0],
                List.of(new Preopen("/", jail, false)), KeepLimits.DEFAULT, tamper);
    }

    @Test
    void openFdsAreNotSocketsAndOthersAreBadf() throws Exception {
        Run keep = run(app("""
                (i64.store (i32.const 300) (i64.const 0x1122334455667788))
                (call $say {"stdout"} (call $sock_shutdown (i32.const 1) (i32.const 1)))
                (call $say {"preopen"} (call $sock_shutdown (i32.const 3) (i32.const 3)))
                (call $say {"closed"} (call $sock_shutdown (i32.const 4) (i32.const 1)))
                (call $say {"huge"} (call $sock_shutdown (i32.const -1) (i32.const 1)))
                (call $say {"how-is-no-pointer"} (call $sock_shutdown (i32.const 2) (i32.const 300)))
                (call $say {"untouched"} (i64.eq (i64.load (i32.const 300)) (i64.const 0x1122334455667788)))
                (call $proc_exit (i32.const 0))
                """), m -> { });
        assertNull(keep.fault(), keep::fault);
        assertEquals("stdout=57\npreopen=57\nclosed=8\nhuge=8\nhow-is-no-pointer=57\nuntouched=1\n",
                keep.out());
    }

    @Test
    void aHostThatLiesAboutTheFdstatStopsTheKeep() throws Exception {
        byte[] wasm = app("""
                (call $say {"shutdown"} (call $sock_shutdown (i32.const 1) (i32.const 1)))
                (call $proc_exit (i32.const 0))
                """);
        List<Consumer<MemorySegment>> lies = List.of(
                m -> m.set(U64, OFF_RESULT, 1),              // fdstat has no result
                m -> m.set(U32, OFF_REPLY_LENGTH, 8),        // an fdstat is 24 bytes
                m -> m.set(U32, OFF_STATUS, -1));            // not a WASI errno
        for (Consumer<MemorySegment> lie : lies) {
            Run lied = run(wasm, m -> {
                if (m.get(U32, OFF_OPCODE) == OP_WASI
                        && m.get(U32, HEADER_SIZE + WASI_OFF_CALL) == WasiCall.FD_FDSTAT_GET.id) {
                    lie.accept(m);
                }
            });
            assertNotNull(lied.fault(), () -> "the keep believed a lie: " + lied.out());
            assertTrue(lied.fault().startsWith("F " + SIGILL + " "), lied.fault());
            assertEquals("", lied.out());
        }
    }
}
