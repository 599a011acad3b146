package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.wabt.Wat2Wasm;
import org.junit.jupiter.api.Test;

/** Every trap comes back as a status with the spec's message; the instance keeps working after it. */
class TrapTest {
    private static final String WAT = """
            (module
              (type $ii (func (param i32) (result i32)))
              (type $v (func))
              (memory 1 3)
              (table 4 funcref)
              (elem (i32.const 0) $double $nothing)
              (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
              (func $nothing (type $v))
              (func (export "unreachable") unreachable)
              (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
              (func (export "rem") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
              (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
              (func (export "load") (param i32) (result i64) (i64.load offset=3 (local.get 0)))
              (func (export "store") (param i32) (i32.store8 (local.get 0) (i32.const 1)))
              (func $recurse (export "recurse") (param i32) (result i32)
                (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
              (func (export "indirect") (param i32 i32) (result i32)
                (call_indirect (type $ii) (local.get 1) (local.get 0)))
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
            )
            """;

    private static void assertTrap(String message, NativeInstance inst, String name, long... args) {
        WasmTrap t = assertThrows(WasmTrap.class, () -> inst.invoke(name, args));
        assertEquals(message, t.getMessage());
    }

    @Test
    void trapsReportTheSpecMessageAndTheInstanceSurvives() throws Exception {
        try (NativeInstance inst = new NativeInstance(ModuleCompiler.compile(Wat2Wasm.parse(WAT)))) {
            assertTrap("unreachable", inst, "unreachable");
            assertTrap("integer divide by zero", inst, "div", 1, 0);
            assertTrap("integer overflow", inst, "div", Integer.MIN_VALUE, -1);
            assertArrayEquals(new long[] {0}, inst.invoke("rem", Long.MIN_VALUE, -1));
            assertTrap("integer divide by zero", inst, "rem", 5, 0);
            assertTrap("invalid conversion to integer", inst, "trunc", Double.doubleToRawLongBits(Double.NaN));
            assertTrap("integer overflow", inst, "trunc", Double.doubleToRawLongBits(3e9));
            assertTrap("out of bounds memory access", inst, "load", 65536 - 10);
            assertArrayEquals(new long[] {0}, inst.invoke("load", 65536 - 11));
            assertTrap("out of bounds memory access", inst, "load", -1);
            assertTrap("out of bounds memory access", inst, "store", 65536);
            assertTrap("call stack exhausted", inst, "recurse", 0);
            assertArrayEquals(new long[] {42}, inst.invoke("indirect", 0, 21));
            assertTrap("indirect call type mismatch", inst, "indirect", 1, 0);
            assertTrap("uninitialized element", inst, "indirect", 2, 0);
            assertTrap("undefined element", inst, "indirect", 4, 0);
            assertTrap("undefined element", inst, "indirect", -1, 0);
            // Memory grows within the declared maximum; then the former out-of-bounds access works.
            assertArrayEquals(new long[] {1}, inst.invoke("grow", 1));
            inst.invoke("store", 65536);
            assertArrayEquals(new long[] {0xFFFF_FFFFL}, inst.invoke("grow", 2));
            assertArrayEquals(new long[] {2 * 65536L}, new long[] {inst.memoryBytes()});
            // After all of that, ordinary calls still work.
            assertArrayEquals(new long[] {3}, inst.invoke("div", 7, 2));
        }
    }
}
