package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import org.junit.jupiter.api.Test;

/** The same module compiles to the same bytes, every time (the SNP launch measures them). */
class DeterminismTest {
    @Test
    void sameModuleGivesIdenticalCode() {
        byte[] wasm = Wat2Wasm.parse(DifferentialTest.WAT);
        byte[] first = ModuleCompiler.compile(wasm).code();
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(first, ModuleCompiler.compile(wasm.clone()).code());
        }
        assertTrue(first.length > 500, "suspiciously small code: " + first.length);
        byte[] other = BlockTypeWorkaroundTest.module();
        assertArrayEquals(ModuleCompiler.compile(other).code(), ModuleCompiler.compile(other).code());
    }
}
