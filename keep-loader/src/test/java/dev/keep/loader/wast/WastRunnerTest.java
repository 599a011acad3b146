package dev.keep.loader.wast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.invoke.nil.NilMachines;
import dev.keep.loader.invoke.nil.NilStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's handling of linking, the spectest module and files a backend cannot run. */
class WastRunnerTest {
    @TempDir
    Path dir;

    @Test
    void registerSpectestUnlinkableAndUninstantiableOnTheInterpreter() throws IOException {
        Path wast = dir.resolve("link.wast");
        Files.writeString(wast, """
                (module $M
                  (import "spectest" "global_i32" (global $g i32))
                  (import "spectest" "print_i32" (func $print (param i32)))
                  (global (export "g") (mut i32) (i32.const 1))
                  (func (export "spec") (result i32) (call $print (global.get $g)) (global.get $g)))
                (register "M" $M)
                (assert_return (invoke "spec") (i32.const 666))
                (module (import "M" "g" (global $g (mut i32))) (func (export "set") (global.set $g (i32.const 9))))
                (invoke "set")
                (assert_return (get $M "g") (i32.const 9))
                (assert_unlinkable (module (import "M" "absent" (func))) "unknown import")
                (assert_trap (module (func $s unreachable) (start $s)) "unreachable")
                (assert_trap (module (memory 1) (data (i32.const 65536) "x")) "out of bounds memory access")
                (assert_exhaustion (invoke $M "spec") "call stack exhausted")
                """);
        List<String> printed = new ArrayList<>();
        WastFileResult result = new WastRunner(
                () -> new NilStore(NilSpectest.create(printed::add), NilMachines.INTERPRETER), name -> Optional.empty())
                .run(wast);
        // The last command is deliberately wrong: spec returns, so exhaustion is a failure that names it.
        assertEquals(9, result.passed(), result.failures().toString());
        assertEquals(1, result.failed());
        assertTrue(result.failures().get(0).startsWith("link.wast:14: assert_exhaustion spec(): expected trap"),
                result.failures().toString());
        assertEquals(List.of("print_i32: 666", "print_i32: 666"), printed);
    }

    @Test
    void aFileTheBackendCannotRunIsSkippedWithItsReasonPerCommand() throws IOException {
        Path wast = dir.resolve("simd_fake.wast");
        Files.writeString(wast, "(module)\n(module)\n(module)\n");
        WastFileResult result = new WastRunner(() -> {
            throw new AssertionError("no store is needed for a skipped file");
        }, name -> name.startsWith("simd_") ? Optional.of("no SIMD here") : Optional.empty()).run(wast);
        assertEquals(new WastFileResult("simd_fake.wast", 0, 0, 3, 0, List.of(), Map.of("no SIMD here", 3)), result);
        assertEquals("simd_fake.wast: 0 passed, 0 failed, 3 skipped (no SIMD here)", result.summaryLine());
    }
}
