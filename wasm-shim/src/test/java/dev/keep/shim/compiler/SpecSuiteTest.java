package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs spec .wast files through the native compiler; the listed files must pass completely. */
class SpecSuiteTest {
    /**
     * Files that must pass 100% with nothing skipped (text-format assert_malformed / assert_invalid
     * commands, which test a .wat parser, are counted separately as n/a): every non-SIMD file of
     * the suite except obsolete-keywords.wast and utf8-invalid-encoding.wast, which hold nothing
     * but text-format commands.
     */
    static final List<String> MUST_PASS = List.of(
            "address.wast", "align.wast", "binary-leb128.wast", "binary.wast", "block.wast", "br.wast",
            "br_if.wast", "br_table.wast", "bulk.wast", "call.wast", "call_indirect.wast", "comments.wast",
            "const.wast", "conversions.wast", "custom.wast", "data.wast", "elem.wast", "endianness.wast",
            "exports.wast", "f32.wast", "f32_bitwise.wast", "f32_cmp.wast", "f64.wast", "f64_bitwise.wast",
            "f64_cmp.wast", "fac.wast", "float_exprs.wast", "float_literals.wast", "float_memory.wast",
            "float_misc.wast", "forward.wast", "func.wast", "func_ptrs.wast", "global.wast", "i32.wast",
            "i64.wast", "if.wast", "imports.wast", "inline-module.wast", "int_exprs.wast",
            "int_literals.wast", "labels.wast", "left-to-right.wast", "linking.wast", "load.wast",
            "local_get.wast", "local_set.wast", "local_tee.wast", "loop.wast", "memory.wast",
            "memory_copy.wast", "memory_fill.wast", "memory_grow.wast", "memory_init.wast",
            "memory_redundancy.wast", "memory_size.wast", "memory_trap.wast", "names.wast", "nop.wast",
            "ref_func.wast", "ref_is_null.wast", "ref_null.wast", "return.wast", "select.wast",
            "skip-stack-guard-page.wast", "stack.wast", "start.wast", "store.wast", "switch.wast",
            "table-sub.wast", "table.wast", "table_copy.wast", "table_fill.wast", "table_get.wast",
            "table_grow.wast", "table_init.wast", "table_set.wast", "table_size.wast", "token.wast",
            "traps.wast", "type.wast", "unreachable.wast", "unreached-invalid.wast", "unreached-valid.wast",
            "unwind.wast", "utf8-custom-section-id.wast", "utf8-import-field.wast",
            "utf8-import-module.wast");

    static Path specDir() {
        return Path.of(System.getProperty("keep.projectRoot")).resolve("../shared/testdata/wasm-spec");
    }

    @Test
    void listedSpecFilesPassCompletely(@TempDir Path tmp) throws Exception {
        runAll(new SpecRunner(tmp), "[spec]");
    }

    /**
     * The same files with guard-region code: no bounds checks, linear memory in 8 GiB slots of
     * which only the current size is mapped, out-of-bounds faults turned into traps by
     * {@link GuardFaultHandler} (what the keep's page-fault stub does in a guest).
     */
    @Test
    void listedSpecFilesPassCompletelyWithGuardRegions(@TempDir Path tmp) throws Exception {
        runAll(new SpecRunner(tmp, CompilerOptions.guardRegions()), "[spec guard]");
    }

    private static void runAll(SpecRunner runner, String tag) throws Exception {
        List<String> problems = new ArrayList<>();
        int passed = 0;
        for (String file : MUST_PASS) {
            Path wast = specDir().resolve(file);
            assertTrue(Files.exists(wast), "missing " + wast);
            SpecRunner.FileResult r = runner.run(wast);
            System.out.println(tag + " " + r);
            r.failures().forEach(f -> System.out.println(tag + "   " + f));
            passed += r.passed();
            if (r.failed() != 0 || r.skipped() != 0 || r.passed() == 0) {
                problems.add(r.toString());
            }
        }
        System.out.println(tag + " total passed " + passed);
        assertEquals(List.of(), problems);
    }
}
