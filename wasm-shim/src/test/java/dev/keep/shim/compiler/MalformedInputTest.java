package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Truncated and corrupted modules are rejected with a CompileException, never anything else. */
class MalformedInputTest {
    @Test
    void brokenModulesFailWithOneLineCompileException() {
        byte[] wasm = Wat2Wasm.parse(DifferentialTest.WAT);
        List<String> unexpected = new ArrayList<>();
        int rejected = 0;
        Random rnd = new Random(7);
        for (int variant = 0; variant < 1500; variant++) {
            byte[] broken;
            if (variant < wasm.length && variant < 500) {
                broken = java.util.Arrays.copyOf(wasm, variant);
            } else {
                broken = wasm.clone();
                for (int flips = 1 + rnd.nextInt(3); flips > 0; flips--) {
                    broken[8 + rnd.nextInt(broken.length - 8)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            try {
                ModuleCompiler.compile(broken);
            } catch (CompileException e) {
                rejected++;
                if (e.getMessage() == null || e.getMessage().contains("\n")) {
                    unexpected.add("message not one line: " + e.getMessage());
                }
            } catch (RuntimeException | StackOverflowError e) {
                unexpected.add(variant + ": " + e);
            }
        }
        assertEquals(List.of(), unexpected.stream().limit(10).toList());
        assertTrue(rejected > 500, "only " + rejected + " rejected");
    }
}
