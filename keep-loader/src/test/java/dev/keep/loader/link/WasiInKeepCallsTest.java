package dev.keep.loader.link;

import static dev.keep.shim.abi.HostcallAbi.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.link.LinkedApps.Run;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.shim.abi.WasiCall;
import dev.keep.shim.link.LaunchConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * random_get, clocks, sched_yield and proc_raise in a keep run natively, and a host that lies in
 * its WASI replies: the keep stops with a fault instead of believing it.
 */
class WasiInKeepCallsTest {
    private static final ValueLayout.OfInt U32 = LinkedApps.MAILBOX_U32;
    private static final ValueLayout.OfLong U64 = LinkedApps.MAILBOX_U64;
    private static final int SIGILL = LinkedApps.SIGILL;

    @TempDir
    Path dir;

    private static Run keep(byte[] wasm, Consumer<MemorySegment> tamper) throws Exception {
        return LinkedApps.keep(wasm, LaunchConfig.of("calls.wasm"), new byte[0], List.of(),
                KeepLimits.DEFAULT, tamper);
    }

    /** Two random buffers (32 and 13 bytes, so the tail path runs) compared in Wasm. */
    private static final String RANDOM = """
            (call $say {"r1"} (call $random_get (i32.const 300) (i32.const 32)))
            (call $say {"r2"} (call $random_get (i32.const 400) (i32.const 32)))
            (call $say {"tail"} (call $random_get (i32.const 500) (i32.const 13)))
            (call $say {"empty"} (call $random_get (i32.const 65536) (i32.const 0)))
            (call $say {"same"} (i32.and (i64.eq (i64.load (i32.const 300)) (i64.load (i32.const 400)))
                                         (i64.eq (i64.load (i32.const 308)) (i64.load (i32.const 408)))))
            (call $say {"zero-tail"} (i64.eqz (i64.or (i64.load (i32.const 500)) (i64.load (i32.const 505)))))
            (call $proc_exit (i32.const 0))
            """;

    @Test
    void randomGetFillsBuffersWithDifferingBytesFromInsideTheKeep() throws Exception {
        byte[] wasm = WasiScript.wasm("", RANDOM);
        Run keep = keep(wasm, m -> { });
        assertNull(keep.fault(), keep::fault);
        assertEquals("r1=0\nr2=0\ntail=0\nempty=0\nsame=0\nzero-tail=0\n", keep.out());
        Run nil = LinkedApps.nil(dir, wasm, LaunchConfig.of("calls.wasm"), new byte[0], List.of());
        assertEquals(nil.out(), keep.out(), "the same answers as the nil backend");
    }

    /** The keep answers fault, as wasmtime does (Chicory traps instead). */
    @Test
    void randomGetIntoABufferPastTheEndOfMemoryIsEfault() throws Exception {
        Run keep = keep(WasiScript.wasm("", """
                (call $say {"past-end"} (call $random_get (i32.const 65530) (i32.const 8)))
                (call $say {"wraps"} (call $random_get (i32.const -8) (i32.const 16)))
                (call $proc_exit (i32.const 0))
                """), m -> { });
        assertEquals("past-end=21\nwraps=21\n", keep.out());
    }

    @Test
    void randomBytesAreNotRequestedFromTheHost() throws Exception {
        int[] wasiRequests = {0};
        Run keep = keep(WasiScript.wasm("", """
                (drop (call $random_get (i32.const 300) (i32.const 4000)))
                (call $proc_exit (i32.const 0))
                """), m -> {
                    if (m.get(U32, OFF_OPCODE) == OP_WASI) {
                        wasiRequests[0]++;
                    }
                });
        assertEquals(0, keep.exit());
        assertEquals(0, wasiRequests[0]);
    }

    @Test
    void clocksAreMonotonicAndRealtimeIsNow() throws Exception {
        byte[] wasm = WasiScript.wasm("(local $t i64) (local $i i32) (local $ok i32)", """
                (local.set $ok (i32.const 1))
                (call $say {"mono"} (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 40)))
                (local.set $t (i64.load (i32.const 40)))
                (loop $again
                  (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 40)))
                  (if (i64.lt_u (i64.load (i32.const 40)) (local.get $t)) (then (local.set $ok (i32.const 0))))
                  (local.set $t (i64.load (i32.const 40)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $again (i32.lt_u (local.get $i) (i32.const 50))))
                (call $say {"monotonic"} (local.get $ok))
                (call $say {"yield"} (call $sched_yield))
                (call $say {"res"} (call $clock_res_get (i32.const 1) (i32.const 48)))
                (call $say {"res-positive"} (i64.ne (i64.load (i32.const 48)) (i64.const 0)))
                (call $say {"unknown-clock"} (call $clock_time_get (i32.const 9) (i64.const 1) (i32.const 40)))
                (call $say {"out-past-end"} (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 65530)))
                (call $say {"real"} (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 40)))
                (call $num64 (i64.load (i32.const 40)))
                (call $proc_exit (i32.const 0))
                """);
        long before = System.currentTimeMillis();
        Run keep = keep(wasm, m -> { });
        long after = System.currentTimeMillis();
        assertNull(keep.fault(), keep::fault);
        List<String> lines = keep.out().lines().toList();
        assertEquals(List.of("mono=0", "monotonic=1", "yield=0", "res=0", "res-positive=1",
                "unknown-clock=28", "out-past-end=21", "real=0"), lines.subList(0, 8));
        long realMillis = Long.parseUnsignedLong(lines.get(8)) / 1_000_000;
        assertTrue(realMillis >= before - 1 && realMillis <= after + 1,
                () -> "realtime " + realMillis + " is not within " + before + ".." + after);
    }

    /** A host whose monotonic clock jumps back: the keep never hands out the earlier time. */
    @Test
    void aMonotonicClockGoingBackwardsIsHeldAtItsHighestValue() throws Exception {
        byte[] wasm = WasiScript.wasm("(local $t i64)", """
                (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 40)))
                (local.set $t (i64.load (i32.const 40)))
                (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 40)))
                (call $say {"not-back"} (i64.ge_u (i64.load (i32.const 40)) (local.get $t)))
                (call $say {"held"} (i64.eq (i64.load (i32.const 40)) (local.get $t)))
                (call $proc_exit (i32.const 0))
                """);
        int[] calls = {0};
        Run keep = keep(wasm, m -> {
            if (isCall(m, WasiCall.CLOCK_TIME_GET)) {
                // First answer far in the future, the second one back at 5 ns.
                m.set(U64, m.get(U32, OFF_REPLY_OFFSET), calls[0]++ == 0 ? 1L << 50 : 5);
            }
        });
        assertEquals("not-back=1\nheld=1\n", keep.out());
    }

    private static boolean isCall(MemorySegment m, WasiCall call) {
        return m.get(U32, OFF_OPCODE) == OP_WASI && m.get(U32, HEADER_SIZE + WASI_OFF_CALL) == call.id;
    }

    /**
     * poll_oneoff: a relative clock subscription sleeps at least its timeout; an fd subscription
     * is ready at once and no clock is waited for; bad counts and pointers are refused in the keep.
     */
    @Test
    void pollOneoffSleepsOnClocksAndReportsFdsAtOnce() throws Exception {
        byte[] wasm = WasiScript.wasm("(local $t i64)", """
                (i64.store (i32.const 600) (i64.const 0x1234))
                (i32.store8 (i32.const 608) (i32.const 0))
                (i32.store (i32.const 616) (i32.const 1))
                (i64.store (i32.const 624) (i64.const 50000000))
                (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 40)))
                (local.set $t (i64.load (i32.const 40)))
                (call $say {"sleep"} (call $poll_oneoff (i32.const 600) (i32.const 800) (i32.const 1) (i32.const 24)))
                (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 40)))
                (call $say {"slept-50ms"} (i64.ge_u (i64.sub (i64.load (i32.const 40)) (local.get $t)) (i64.const 50000000)))
                (call $say {"events"} (i32.load (i32.const 24)))
                (call $say {"userdata"} (i32.wrap_i64 (i64.load (i32.const 800))))
                (call $say {"type"} (i32.load8_u (i32.const 810)))
                (i64.store (i32.const 624) (i64.const 10000000000))
                (i64.store (i32.const 648) (i64.const 0x99))
                (i32.store8 (i32.const 656) (i32.const 1))
                (i32.store (i32.const 664) (i32.const 0))
                (call $say {"fd-ready"} (call $poll_oneoff (i32.const 600) (i32.const 800) (i32.const 2) (i32.const 24)))
                (call $say {"events"} (i32.load (i32.const 24)))
                (call $say {"userdata"} (i32.wrap_i64 (i64.load (i32.const 800))))
                (call $say {"type"} (i32.load8_u (i32.const 810)))
                (call $say {"none"} (call $poll_oneoff (i32.const 600) (i32.const 800) (i32.const 0) (i32.const 24)))
                (call $say {"too-many"} (call $poll_oneoff (i32.const 600) (i32.const 800) (i32.const 257) (i32.const 24)))
                (call $say {"events-past-end"} (call $poll_oneoff (i32.const 600) (i32.const 65500) (i32.const 2) (i32.const 24)))
                (call $proc_exit (i32.const 0))
                """);
        Run keep = keep(wasm, m -> { });
        assertNull(keep.fault(), keep::fault);
        assertEquals("sleep=0\nslept-50ms=1\nevents=1\nuserdata=4660\ntype=0\nfd-ready=0\nevents=1\n"
                + "userdata=153\ntype=1\nnone=28\ntoo-many=28\nevents-past-end=21\n", keep.out());
    }

    /** A poll reply that is not a whole number of events stops the keep. */
    @Test
    void aPollReplyWithAPartialEventStopsTheKeep() throws Exception {
        byte[] wasm = WasiScript.wasm("", """
                (i32.store (i32.const 616) (i32.const 1))
                (call $say {"poll"} (call $poll_oneoff (i32.const 600) (i32.const 800) (i32.const 1) (i32.const 24)))
                (call $proc_exit (i32.const 0))
                """);
        Run honest = keep(wasm, m -> { });
        assertEquals("poll=0\n", honest.out());
        Run lied = keep(wasm, m -> {
            if (isCall(m, WasiCall.POLL_ONEOFF)) {
                m.set(U64, OFF_RESULT, 16);
                m.set(U32, OFF_REPLY_LENGTH, 16);
            }
        });
        assertNotNull(lied.fault(), () -> "the keep believed half an event: " + lied.out());
        assertTrue(lied.fault().startsWith("F " + SIGILL + " "), lied.fault());
    }

    @Test
    void procRaiseTrapsAsWasmtimeDoes() throws Exception {
        Run keep = keep(WasiScript.wasm("", """
                (drop (call $proc_raise (i32.const 6)))
                (call $proc_exit (i32.const 0))
                """), m -> { });
        assertNull(keep.fault(), keep::fault);
        assertEquals(134, keep.exit());
        assertEquals("keep: calls.wasm trapped: host function failed\n", keep.err());
    }

    /** Reads one byte of stdin; the tamper makes the host's reply break a rule. */
    private static Run lyingRead(Consumer<MemorySegment> lie) throws Exception {
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"read"} (call $read (i32.const 0) (i32.const 4)))
                (call $proc_exit (i32.const 0))
                """);
        return LinkedApps.keep(wasm, LaunchConfig.of("lie.wasm"), "abcdef".getBytes(), List.of(),
                KeepLimits.DEFAULT, m -> {
                    if (isCall(m, WasiCall.FD_READ)) {
                        lie.accept(m);
                    }
                });
    }

    @Test
    void aHostThatLiesInAWasiReplyStopsTheKeep() throws Exception {
        Run honest = lyingRead(m -> { });
        assertEquals("read=0\n", honest.out());
        List<Consumer<MemorySegment>> lies = List.of(
                m -> m.set(U64, OFF_RESULT, 5),                   // more than the 4 asked for
                m -> m.set(U64, OFF_RESULT, -1),
                m -> m.set(U32, OFF_REPLY_LENGTH, 3),             // length disagrees with result
                m -> m.set(U32, OFF_STATUS, STATUS_MAX + 1),      // not a WASI errno
                m -> m.set(U32, OFF_STATUS, -1));
        for (Consumer<MemorySegment> lie : lies) {
            Run run = lyingRead(lie);
            assertNotNull(run.fault(), () -> "the keep believed a lie: " + run.out());
            assertTrue(run.fault().startsWith("F " + SIGILL + " "), run.fault());
            assertEquals("", run.out());
        }
        Run errno = lyingRead(m -> m.set(U32, OFF_STATUS, 29));
        assertEquals("read=29\n", errno.out(), "a valid errno is passed on");
        assertNotEquals(honest.out(), errno.out());
    }
}
