package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wast2Json;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The import-free modules of a few spec files, every numeric export called with random and
 * edge-case arguments on native code and on Chicory's interpreter: same results (NaNs equal as a
 * class), same traps. This reaches argument combinations the spec assertions do not list.
 */
class SpecModuleDifferentialTest {
    /**
     * Files whose exports finish quickly for any argument (no argument-bounded loops or recursion)
     * and do not call memory.grow with arbitrary sizes (where it fails is implementation-defined:
     * Chicory and our 4 GiB reservation disagree, and both are right).
     */
    private static final List<String> FILES = List.of("i32.wast", "i64.wast", "f32.wast", "f64.wast",
            "conversions.wast", "int_exprs.wast", "float_misc.wast", "address.wast", "memory.wast",
            "br_table.wast", "left-to-right.wast", "f32_bitwise.wast", "f64_cmp.wast");

    private static boolean numeric(List<ValType> types) {
        return types.stream().allMatch(t -> t.equals(ValType.I32) || t.equals(ValType.I64)
                || t.equals(ValType.F32) || t.equals(ValType.F64));
    }

    /** In both bounds-check modes: explicit checks, and guard regions (faults become traps). */
    @ParameterizedTest
    @EnumSource(CompilerOptions.BoundsChecks.class)
    void specModulesAgreeWithChicory(CompilerOptions.BoundsChecks bounds, @TempDir Path tmp) throws Exception {
        Random rnd = new Random(42);
        List<String> mismatches = new ArrayList<>();
        int calls = 0;
        for (String file : FILES) {
            Path dir = Files.createDirectories(tmp.resolve(file));
            Path json = dir.resolve("spec.json");
            Wast2Json.builder().withFile(SpecSuiteTest.specDir().resolve(file).toFile())
                    .withOutput(json.toFile()).build().process();
            for (JsonNode cmd : new ObjectMapper().readTree(json.toFile()).get("commands")) {
                if (!cmd.get("type").asText().equals("module")) {
                    continue;
                }
                byte[] wasm = Files.readAllBytes(dir.resolve(cmd.get("filename").asText()));
                var module = Parser.parse(wasm);
                if (module.importSection().importCount() > 0) {
                    continue;
                }
                Instance ref = Instance.builder(module).build();
                try (NativeInstance nat = new NativeInstance(ModuleCompiler.compile(wasm, new CompilerOptions(bounds)))) {
                    for (int e = 0; e < module.exportSection().exportCount(); e++) {
                        Export export = module.exportSection().getExport(e);
                        if (export.exportType() != ExternalType.FUNCTION) {
                            continue;
                        }
                        FunctionType type = nat.functionType(export.index());
                        if (!numeric(type.params()) || !numeric(type.returns())) {
                            continue;
                        }
                        for (int round = 0; round < 12; round++) {
                            long[] args = DifferentialTest.randomArgs(rnd, type);
                            calls++;
                            String problem = DifferentialTest.compare(ref, nat, export.name(), type, args);
                            if (problem != null) {
                                mismatches.add(file + " " + problem);
                            }
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), mismatches.stream().limit(20).toList());
        assertTrue(calls > 3000, "only " + calls + " calls");
        System.out.println("[spec-diff " + bounds + "] " + calls + " calls agreed " + Arrays.toString(FILES.toArray()));
    }
}
