package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.types.MemoryImport;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Reg;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Guard-region bounds checking: code without any bounds check, memory in an 8 GiB slot of which only
 * the current size is mapped, and faults turned into the out-of-bounds trap by
 * {@link GuardFaultHandler}. The whole spec suite also runs this way (SpecSuiteTest); this class
 * pins the edges: the exact boundary, the largest offset, stores across the end, growth, traps by
 * the thousand, memory shared between instances, slot reuse, and the JVM's own faults still
 * reaching HotSpot.
 */
class GuardRegionTest {
    private static final long PAGE = 65536;
    private static final long TRAP = -1;
    private static final String WAT = """
            (module
              (memory (export "mem") 1 2)
              (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
              (func (export "load_far") (param i32) (result i32) (i32.load8_u offset=0xFFFFFFFF (local.get 0)))
              (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
              (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
              (func (export "store64") (param i32 i64) (i64.store offset=2 (local.get 0) (local.get 1)))
              (func (export "store_f64") (param i32 f64) (f64.store (local.get 0) (local.get 1)))
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "size") (result i32) (memory.size))
              (func $deep (export "deep") (param i32 i32) (result i32)
                (if (result i32) (i32.eqz (local.get 0))
                  (then (i32.load (local.get 1)))
                  (else (i32.add (i32.const 1)
                    (call $deep (i32.sub (local.get 0) (i32.const 1)) (local.get 1)))))))
            """;

    private static NativeInstance guarded(String wat) throws WasmTrap {
        return new NativeInstance(ModuleCompiler.compile(Wat2Wasm.parse(wat), CompilerOptions.guardRegions()));
    }

    /** The call's single result, or {@link #TRAP} for the out-of-bounds trap (any other trap fails). */
    private static long call(NativeInstance inst, String name, long... args) {
        try {
            long[] r = inst.invoke(name, args);
            return r.length == 0 ? 0 : r[0];
        } catch (WasmTrap t) {
            assertEquals("out of bounds memory access", t.getMessage());
            return TRAP;
        }
    }

    @Test
    void guardRegionCodeHasNoBoundsCheck() {
        byte[] wasm = Wat2Wasm.parse("(module (memory 1) (func (export \"f\") (param i32) (result i32)"
                + " (i32.load offset=8 (local.get 0))))");
        Assembler a = new Assembler();
        a.cmp(ValueStack.SCRATCH, Reg.R13);
        byte[] compareWithSize = a.finish();
        byte[] explicit = ModuleCompiler.compile(wasm).code();
        byte[] guard = ModuleCompiler.compile(wasm, CompilerOptions.guardRegions()).code();
        assertTrue(contains(explicit, compareWithSize), "the explicit check compares the end with R13");
        assertFalse(contains(guard, compareWithSize), "guard-region code compares nothing with the size");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void accessesTrapExactlyPastTheSizeAndAtTheLargestOffset() throws Exception {
        try (NativeInstance inst = guarded(WAT)) {
            assertEquals(0, call(inst, "load32", PAGE - 4));
            assertEquals(TRAP, call(inst, "load32", PAGE - 3));
            assertEquals(TRAP, call(inst, "load32", PAGE));
            assertEquals(TRAP, call(inst, "load32", 0xFFFF_FFFFL));
            // base + 0xFFFFFFFF + 0xFFFFFFFF: the farthest a wasm32 access reaches, inside the slot.
            assertEquals(TRAP, call(inst, "load_far", 0xFFFF_FFFFL));
            assertEquals(TRAP, call(inst, "load_far", 0));
            assertEquals(0, call(inst, "load8", PAGE - 1));
        }
    }

    @Test
    void aStoreAcrossTheEndTrapsAndWritesNothing() throws Exception {
        try (NativeInstance inst = guarded(WAT)) {
            for (long at = PAGE - 8; at < PAGE; at++) {
                call(inst, "store8", at, 0xAA);
            }
            assertEquals(TRAP, call(inst, "store64", PAGE - 8, 0x1122334455667788L));
            assertEquals(TRAP, call(inst, "store_f64", PAGE - 4, Double.doubleToRawLongBits(1.5)));
            for (long at = PAGE - 8; at < PAGE; at++) {
                assertEquals(0xAA, call(inst, "load8", at), "byte at " + at);
            }
        }
    }

    @Test
    void growMapsTheNewPagesAndStopsAtTheMaximum() throws Exception {
        try (NativeInstance inst = guarded(WAT)) {
            assertEquals(TRAP, call(inst, "load32", PAGE));
            assertEquals(1, call(inst, "grow", 0));
            assertEquals(1, call(inst, "grow", 1));
            assertEquals(2, call(inst, "size"));
            assertEquals(0, call(inst, "load32", PAGE));
            call(inst, "store8", 2 * PAGE - 1, 7);
            assertEquals(7, call(inst, "load8", 2 * PAGE - 1));
            assertEquals(TRAP, call(inst, "load8", 2 * PAGE));
            assertEquals(0xFFFF_FFFFL, call(inst, "grow", 1));
            assertEquals(0xFFFF_FFFFL, call(inst, "grow", 0xFFFF_FFFFL));
            assertEquals(2, call(inst, "size"));
            assertEquals(2 * PAGE, inst.memoryBytes());
        }
    }

    @Test
    void thousandsOfTrapsFromAnyDepthLeaveTheInstanceWorking() throws Exception {
        try (NativeInstance inst = guarded(WAT)) {
            for (int i = 0; i < 10_000; i++) {
                assertEquals(TRAP, call(inst, "load32", PAGE + i));
                if (i % 1000 == 0) {
                    assertEquals(TRAP, call(inst, "deep", 5_000, PAGE));
                    assertEquals(5_000, call(inst, "deep", 5_000, 0));
                }
            }
            call(inst, "store8", 3, 9);
            assertEquals(9, call(inst, "load8", 3));
        }
    }

    @Test
    void aMemoryGrownThroughOneInstanceIsMappedForTheOther() throws Exception {
        try (NativeInstance owner = guarded(WAT)) {
            String importer = """
                    (module
                      (import "m" "mem" (memory 1 2))
                      (func (export "grow") (result i32) (memory.grow (i32.const 1)))
                      (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))
                    """;
            try (NativeInstance other = new NativeInstance(
                    ModuleCompiler.compile(Wat2Wasm.parse(importer), CompilerOptions.guardRegions()),
                    memoryOf(owner), null, null)) {
                assertEquals(TRAP, call(owner, "load8", PAGE));
                assertEquals(1, call(other, "grow"));
                call(other, "store8", PAGE + 5, 42);
                assertEquals(42, call(owner, "load8", PAGE + 5));
                assertEquals(2, call(owner, "size"));
                assertEquals(TRAP, call(owner, "load8", 2 * PAGE));
            }
            // Explicitly checked code must not run on a guarded memory (nor the other way round).
            String checked = "(module (import \"m\" \"mem\" (memory 1)))";
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new NativeInstance(
                    ModuleCompiler.compile(Wat2Wasm.parse(checked)), memoryOf(owner), null, null));
            assertTrue(e.getMessage().contains("harness misuse"), e.getMessage());
        }
    }

    private static ImportResolver memoryOf(NativeInstance owner) {
        return new ImportResolver() {
            @Override
            public MemorySegment memory(MemoryImport memory) {
                return owner.memoryRecord();
            }
        };
    }

    @Test
    void slotsAreReusedAndComeBackZeroed() throws Exception {
        CompiledModule compiled = ModuleCompiler.compile(Wat2Wasm.parse(WAT), CompilerOptions.guardRegions());
        // More instances than there are slots: each closed one gives its slot back, wiped.
        for (int i = 0; i < 1_500; i++) {
            try (NativeInstance inst = new NativeInstance(compiled)) {
                assertEquals(0, call(inst, "load8", 100));
                call(inst, "store8", 100, 1 + i % 200);
                assertEquals(TRAP, call(inst, "load8", PAGE));
            }
        }
    }

    /** HotSpot takes SIGSEGV for implicit null checks and stack banging; those must still reach it. */
    @Test
    void theJvmsOwnFaultsStillReachHotSpot() throws Exception {
        try (NativeInstance inst = guarded(WAT)) {
            assertEquals(TRAP, call(inst, "load32", PAGE));
        }
        int caught = 0;
        List<String> values = Arrays.asList("a", null, "b");
        for (int i = 0; i < 200_000; i++) {
            try {
                caught += values.get(i % 3).length() > 5 ? 1 : 0;
            } catch (NullPointerException e) {
                caught++;
            }
        }
        assertEquals(66_667, caught);
        assertThrows(StackOverflowError.class, GuardRegionTest::recurseForever);
    }

    private static int recurseForever() {
        return recurseForever() + 1;
    }
}
