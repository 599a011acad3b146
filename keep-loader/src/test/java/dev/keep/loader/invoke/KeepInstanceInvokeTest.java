package dev.keep.loader.invoke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasi.WasiPreview1;
import dev.keep.loader.KeepException;
import dev.keep.loader.invoke.nil.NilKeepInstance;
import dev.keep.loader.wasm.AppModuleLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The invoke API on the nil backend: calls, results, traps, globals and memory of real modules. */
class KeepInstanceInvokeTest {
    private static final Path ROOT = Path.of(System.getProperty("keep.projectRoot"));

    private static final String PROBE = """
            (module
              (memory (export "memory") 1)
              (global $counter (export "counter") (mut i64) (i64.const 41))
              (global (export "limit") i32 (i32.const 7))
              (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
              (func (export "boom") (unreachable))
              (func (export "bump") (result i64)
                (global.set $counter (i64.add (global.get $counter) (i64.const 1)))
                (global.get $counter))
              (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
              (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
              (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
              (func (export "half") (param f32) (result f32) (f32.mul (local.get 0) (f32.const 0.5)))
              (func (export "hyp") (param f64 f64) (result f64)
                (f64.sqrt (f64.add (f64.mul (local.get 0) (local.get 0)) (f64.mul (local.get 1) (local.get 1)))))
              (func (export "swap") (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
              (func $deep (export "deep") (param i32) (result i32) (call $deep (local.get 0))))
            """;

    @TempDir
    Path dir;

    private KeepInstance probe() throws IOException {
        Path wat = dir.resolve("probe.wat");
        Files.writeString(wat, PROBE, StandardCharsets.UTF_8);
        Path wasm = dir.resolve("probe.wasm");
        Files.write(wasm, Wat2Wasm.parse(wat.toFile()));
        return NilKeepInstance.create(AppModuleLoader.load(wasm), ImportValues.empty());
    }

    @Test
    void callsTheFibSampleExportWithItsWasiImportsLinked() throws IOException {
        Path wasm = dir.resolve("fib.wasm");
        Files.write(wasm, Wat2Wasm.parse(ROOT.resolve("samples/fib/fib.wat").toFile()));
        try (WasiPreview1 wasi = WasiPreview1.builder().build();
                KeepInstance fib = NilKeepInstance.create(AppModuleLoader.load(wasm),
                        ImportValues.builder().addFunction(wasi.toHostFunctions()).build())) {
            assertEquals(832040L, fib.invokeI64("fib", 30));
            assertEquals(12586269025L, fib.invokeI64("fib", 50));
            assertArrayEquals(new long[] {0}, fib.invoke("fib", 0));
        }
    }

    @Test
    void trapsSurfaceAsWasmTrapWithTheSpecMessageAndTheInstanceStaysUsable() throws IOException {
        try (KeepInstance probe = probe()) {
            WasmTrap divide = assertThrows(WasmTrap.class, () -> probe.invoke("div", 1, 0));
            assertEquals("integer divide by zero", divide.getMessage());
            WasmTrap overflow = assertThrows(WasmTrap.class, () -> probe.invoke("div", Integer.MIN_VALUE, -1));
            assertEquals("integer overflow", overflow.getMessage());
            assertEquals("unreachable", assertThrows(WasmTrap.class, () -> probe.invoke("boom")).getMessage());
            assertEquals("out of bounds memory access",
                    assertThrows(WasmTrap.class, () -> probe.invoke("load", 65535)).getMessage());
            assertEquals("call stack exhausted", assertThrows(WasmTrap.class, () -> probe.invoke("deep", 1)).getMessage());
            assertEquals(-3, probe.invokeI32("div", -7, 2));
        }
    }

    @Test
    void typedHelpersAndMultipleResults() throws IOException {
        try (KeepInstance probe = probe()) {
            assertEquals(1.25f, probe.invokeF32("half", WasmValues.f32(2.5f)));
            assertEquals(5.0, probe.invokeF64("hyp", WasmValues.f64(3), WasmValues.f64(4)));
            assertArrayEquals(new long[] {-9, 4}, probe.invoke("swap", 4, -9));
            KeepException arity = assertThrows(KeepException.class, () -> probe.invoke("div", 1));
            assertTrue(arity.getMessage().contains("div takes 2 argument(s), got 1"), arity.getMessage());
            KeepException missing = assertThrows(KeepException.class, () -> probe.invoke("nope"));
            assertTrue(missing.getMessage().contains("exports no function named \"nope\""), missing.getMessage());
        }
    }

    @Test
    void globalsAreReadAndWrittenByExportName() throws IOException {
        try (KeepInstance probe = probe()) {
            assertEquals(41, probe.global("counter"));
            assertEquals(42, probe.invokeI64("bump"));
            probe.setGlobal("counter", 1000);
            assertEquals(1001, probe.invokeI64("bump"));
            assertEquals(1001, probe.global("counter"));
            assertEquals(7, probe.global("limit"));
            KeepException immutable = assertThrows(KeepException.class, () -> probe.setGlobal("limit", 8));
            assertTrue(immutable.getMessage().contains("global limit is immutable"), immutable.getMessage());
        }
    }

    @Test
    void memoryIsSharedBetweenHostAndModuleAndBoundsChecked() throws IOException {
        try (KeepInstance probe = probe()) {
            KeepMemory memory = probe.memory();
            assertEquals(1, memory.pages());
            memory.write(100, new byte[] {0x78, 0x56, 0x34, 0x12});
            assertEquals(0x12345678, probe.invokeI32("load", 100));
            probe.invoke("store", 200, 0xCAFE);
            assertEquals(0xCAFE, memory.readI32(200));
            assertArrayEquals(new byte[] {(byte) 0xFE, (byte) 0xCA, 0, 0}, memory.read(200, 4));
            memory.writeI64(300, Long.MIN_VALUE);
            assertEquals(Long.MIN_VALUE, memory.readI64(300));
            KeepException outside = assertThrows(KeepException.class, () -> memory.read(65534, 4));
            assertTrue(outside.getMessage().contains("outside its 65536 bytes"), outside.getMessage());
            assertThrows(KeepException.class, () -> memory.write(-1, new byte[1]));
        }
    }

    /**
     * A fill whose end lies past 2 GiB: Chicory 1.7.5 computes that end in 32 bits, wrote the rest of
     * memory and then failed with a NullPointerException; Keep's {@code FillCheckedMemory} traps
     * before any byte changes, as the spec says.
     */
    @Test
    void aFillEndingPastTwoGibibytesTrapsAndWritesNothing() throws IOException {
        try (KeepInstance probe = probe()) {
            KeepMemory memory = probe.memory();
            for (int[] call : new int[][] {{100, 7, Integer.MAX_VALUE}, {65000, 7, 2147483000}, {0, 7, -1}}) {
                WasmTrap trap = assertThrows(WasmTrap.class, () -> probe.invoke("fill", call[0], call[1], call[2]));
                assertEquals("out of bounds memory access", trap.getMessage());
                assertArrayEquals(new byte[65536], memory.read(0, 65536), "memory changed by a trapping fill");
            }
            probe.invoke("fill", 65530, 9, 6);
            assertArrayEquals(new byte[] {0, 9, 9, 9, 9, 9, 9}, memory.read(65529, 7));
        }
    }

    @Test
    void tableGrowFailsWithMinusOneBeyondTheLimitInsteadOfAChicoryException() throws IOException {
        Path wat = dir.resolve("tables.wat");
        Files.writeString(wat, """
                (module
                  (table $t 0 externref)
                  (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null extern) (local.get 0)))
                  (func (export "size") (result i32) (table.size $t)))
                """, StandardCharsets.UTF_8);
        Path wasm = dir.resolve("tables.wasm");
        Files.write(wasm, Wat2Wasm.parse(wat.toFile()));
        try (KeepInstance tables = NilKeepInstance.create(AppModuleLoader.load(wasm), ImportValues.empty())) {
            // Chicory alone: a NegativeArraySizeException for the first, arrays of 2^31 entries for the second.
            assertEquals(-1, tables.invokeI32("grow", 0x7FFF_FFFF));
            assertEquals(-1, tables.invokeI32("grow", 0xFFFF_FFF0L));
            assertEquals(-1, tables.invokeI32("grow", (1 << 20) + 1));
            assertEquals(0, tables.invokeI32("grow", 10));
            assertEquals(10, tables.invokeI32("grow", (1 << 20) - 10));
            assertEquals(1 << 20, tables.invokeI32("size"));
            assertEquals(-1, tables.invokeI32("grow", 1));
        }
    }

    @Test
    void aClosedInstanceRefusesCalls() throws IOException {
        KeepInstance probe = probe();
        probe.close();
        KeepException closed = assertThrows(KeepException.class, () -> probe.invoke("boom"));
        assertTrue(closed.getMessage().endsWith("instance is closed"), closed.getMessage());
    }
}
