package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.kvm.KvmProbe;
import dev.keep.kvm.KvmStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keep invoke}: one exported function called from the command line, as wasmtime's --invoke. */
class InvokeCommandTest {
    @TempDir
    Path dir;

    private String probe;
    private String fib;

    @BeforeEach
    void assemble() throws IOException {
        fib = dev.keep.loader.SampleApps.fib(dir).toString();
        probe = Files.write(dir.resolve("probe.wasm"), Wat2Wasm.parse("""
                (module
                  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory (export "memory") 1)
                  (data (i32.const 16) "said\\n")
                  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
                  (func (export "swap") (param i64 f32) (result f32 i64) (local.get 1) (local.get 0))
                  (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5)))
                  (func (export "id") (param externref) (result externref) (local.get 0))
                  (func (export "say")
                    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 5))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
                  (func (export "quit") (param i32) (call $exit (local.get 0))))
                """)).toString();
    }

    @Test
    void printsEachResultOnItsOwnLine() {
        CliRun.Result fib30 = keep("invoke", fib, "fib", "30");
        assertEquals(0, fib30.exit(), fib30.err());
        assertEquals("832040\n", fib30.out());
        assertEquals("-3\n", keep("invoke", probe, "div", "-7", "2").out());
        assertEquals("-1\n", keep("invoke", probe, "div", "0xFFFFFFFF", "1").out());
        assertEquals("2.5\n-9223372036854775808\n", keep("invoke", probe, "swap", "0x8000000000000000", "2.5").out());
        assertEquals("Infinity\n", keep("invoke", probe, "half", "inf").out());
        assertEquals("NaN\n", keep("invoke", probe, "half", "nan").out());
        assertEquals("null\n", keep("invoke", probe, "id", "null").out());
        assertEquals("externref 7\n", keep("invoke", probe, "id", "7").out());
    }

    @Test
    void wasiOutputProcExitAndTrapsAreTheModulesOwn() {
        CliRun.Result said = keep("invoke", probe, "say");
        assertEquals(0, said.exit(), said.err());
        assertEquals("said\n", said.out());
        CliRun.Result quit = keep("invoke", probe, "quit", "7");
        assertEquals(7, quit.exit(), quit.err());
        assertEquals("", quit.out());
        CliRun.Result trap = keep("invoke", probe, "div", "1", "0");
        assertEquals(134, trap.exit());
        assertEquals("keep: probe.wasm trapped: integer divide by zero\n", trap.err());
    }

    @Test
    void badArgumentsAreUsageErrorsAndAMissingFunctionAnError() {
        CliRun.Result count = keep("invoke", probe, "div", "1");
        assertEquals(2, count.exit());
        assertTrue(count.err().startsWith("keep: div takes 2 argument(s) [i32, i32], got 1"), count.err());
        CliRun.Result range = keep("invoke", probe, "div", "4294967296", "1");
        assertEquals(2, range.exit());
        assertTrue(range.err().startsWith("keep: argument 1 of div is i32, got '4294967296'"), range.err());
        CliRun.Result word = keep("invoke", probe, "half", "1d");
        assertEquals(2, word.exit(), word.err());
        CliRun.Result missing = keep("invoke", probe, "absent");
        assertEquals(1, missing.exit());
        assertEquals("keep: probe.wasm exports no function named \"absent\"\n", missing.err());
        for (CliRun.Result r : new CliRun.Result[] {count, range, word, missing}) {
            assertFalse(r.hasStackTrace(), r.err());
        }
    }

    @Test
    void onKvmTheCallGoesThroughAStoreKeepOrIsRefusedNamingTheDevice() {
        KvmStatus device = KvmProbe.probe();
        CliRun.Result r = keep("invoke", "--backend", "kvm", fib, "fib", "30");
        if (device.usable()) {
            assertEquals(0, r.exit(), r.err());
            assertEquals("832040\n", r.out());
            return;
        }
        assertEquals(1, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("keep: backend kvm is unavailable: " + device.unusableReason().orElseThrow()),
                r.err());
    }
}
