package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import org.junit.jupiter.api.Test;

/**
 * A function's ref.func of itself, declared only by an active element segment, is valid (the spec's
 * C.refs counts every element segment); Chicory 1.7.5's validator says "undeclared function
 * reference", so the front end validates again with the declarations spelled out
 * ({@link RefFuncDeclarations}). A ref.func that is truly undeclared, which Chicory lets pass, is
 * refused by {@link ModuleChecks}.
 */
class RefFuncDeclarationTest {
    @Test
    void aFunctionMayTakeItsOwnReferenceWhenAnActiveSegmentDeclaresIt() throws Exception {
        String wat = """
                (module
                  (type $v (func (result i32)))
                  (table 2 funcref)
                  (elem (i32.const 0) $self $other)
                  (global $g (mut funcref) (ref.null func))
                  (func $self (result i32)
                    (global.set $g (ref.func $self))
                    (i32.add (i32.const 40) (ref.is_null (ref.func $self))))
                  (func $other (result i32) (i32.const 2))
                  (func (export "run") (result i32)
                    (i32.add (call_indirect (type $v) (i32.const 0)) (call_indirect (type $v) (i32.const 1))))
                  (func (export "again") (result i32) (ref.is_null (global.get $g))))
                """;
        byte[] wasm = Wat2Wasm.parse(wat);
        for (CompilerOptions options : new CompilerOptions[] {CompilerOptions.defaults(), CompilerOptions.guardRegions()}) {
            try (NativeInstance inst = new NativeInstance(ModuleCompiler.compile(wasm, options))) {
                assertArrayEquals(new long[] {1}, inst.invoke("again"));
                assertArrayEquals(new long[] {42}, inst.invoke("run"));
                assertArrayEquals(new long[] {0}, inst.invoke("again"));
            }
        }
    }

    /** (func $f0) (func (export "f") (result i32) (ref.is_null (ref.func 0))): $f0 is named nowhere else. */
    @Test
    void aTrulyUndeclaredReferenceStaysInvalid() {
        byte[] wasm = {
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
            // type section: [] -> [], [] -> [i32]
            0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7F,
            // function section: f0 : type 0, f1 : type 1
            0x03, 0x03, 0x02, 0x00, 0x01,
            // export section: "f" = function 1
            0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x01,
            // code section: f0 = end; f1 = ref.func 0, ref.is_null, end
            0x0A, 0x0A, 0x02, 0x02, 0x00, 0x0B, 0x05, 0x00, (byte) 0xD2, 0x00, (byte) 0xD1, 0x0B,
        };
        CompileException e = assertThrows(CompileException.class, () -> ModuleCompiler.compile(wasm));
        assertTrue(e.getMessage().contains("undeclared function reference"), e.getMessage());
    }

    @Test
    void aModuleWithoutTheProblemIsCompiledFromItsOwnBytes() {
        byte[] wasm = Wat2Wasm.parse("(module (func (export \"f\") (result i32) (i32.const 7)))");
        assertEquals(ModuleCompiler.compile(wasm).codeSize(), ModuleCompiler.compile(wasm.clone()).codeSize());
    }
}
