package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Differential testing on random programs ({@link RandomPrograms}): each module runs on our native
 * code and on Chicory's compiler, every export called with random arguments; after every call the
 * results (or the trap), all of linear memory and every global must agree. Both bounds-check modes.
 * The seeds are fixed, so a failure names a reproducible module (printed with the first mismatch);
 * {@code -Dkeep.randomPrograms=N -Dkeep.randomPrograms.first=S} runs other seeds.
 *
 * <p>The reference is Chicory 1.7.5's compiler, not its interpreter, which this test caught wrong
 * three times: i32.mul leaves an untruncated 64-bit product on its stack (so {@code if} on a product
 * of 2^32 takes the then branch), and i32.store8, i64.store8 and i64.store32 add address and offset
 * in 32 bits (a sum past 4 GiB writes at the wrapped address instead of trapping). Both engines round
 * f32/f64.convert_i64_u wrongly for large inputs; the generator leaves those out and
 * {@link ConversionRoundingTest} checks them against exact rounding.
 */
class RandomProgramTest {
    private static final int MODULES = Integer.getInteger("keep.randomPrograms", 1000);
    private static final int CALLS_PER_EXPORT = 12;
    /** The generator's globals, in order. */
    private static final List<ValType> GLOBAL_TYPES = List.of(ValType.I32, ValType.I64, ValType.F32, ValType.F64);

    @ParameterizedTest
    @EnumSource(CompilerOptions.BoundsChecks.class)
    void randomProgramsAgreeWithChicory(CompilerOptions.BoundsChecks bounds) throws Exception {
        List<String> mismatches = new ArrayList<>();
        int calls = 0;
        int traps = 0;
        int first = Integer.getInteger("keep.randomPrograms.first", 0);
        List<String> referenceBroke = new ArrayList<>();
        for (int seed = first; seed < first + MODULES && mismatches.isEmpty(); seed++) {
            RandomPrograms generator = new RandomPrograms(seed);
            String wat = generator.module();
            byte[] wasm;
            try {
                wasm = Wat2Wasm.parse(wat);
            } catch (RuntimeException e) {
                throw new AssertionError("the generator made an invalid module (seed " + seed + "): " + e + "\n" + wat, e);
            }
            var module = Parser.parse(wasm);
            ImportValues.Builder hostFunctions = ImportValues.builder();
            for (int k = 0; k < generator.hostCount(); k++) {
                int host = k;
                FunctionType hostType = module.typeSection().getType(
                        ((com.dylibso.chicory.wasm.types.FunctionImport) module.importSection().getImport(k)).typeIndex());
                hostFunctions.addFunction(new com.dylibso.chicory.runtime.HostFunction("env", "h" + k, hostType,
                        (instance, values) -> RandomPrograms.host(host, hostType, values)));
            }
            Instance ref = Instance.builder(module).withImportValues(hostFunctions.build())
                    .withMachineFactory(MachineFactoryCompiler::compile).build();
            Random rnd = new Random(seed * 31L + 7);
            CompiledModule compiled;
            try {
                compiled = ModuleCompiler.compile(wasm, new CompilerOptions(bounds));
            } catch (CompileException e) {
                mismatches.add("seed " + seed + ": a valid module did not compile: " + e.getMessage() + "\n" + wat);
                break;
            }
            try (NativeInstance nat = new NativeInstance(compiled, hosts(), null, null)) {
                exports:
                for (int f = 0; f < generator.functionCount() && mismatches.isEmpty(); f++) {
                    String name = "f" + f;
                    FunctionType type = nat.functionType(nat.exportedFunction(name));
                    for (int round = 0; round < CALLS_PER_EXPORT; round++) {
                        long[] args = DifferentialTest.randomArgs(rnd, type);
                        calls++;
                        DifferentialTest.Outcome outcome = DifferentialTest.call(ref, nat, name, type, args);
                        if (outcome.referenceBroke() != null) {
                            // Chicory failed inside (an index or null-pointer exception, not a trap):
                            // its state is unknown from here, so the rest of this module is skipped.
                            referenceBroke.add("seed " + seed + " " + name + ": " + outcome.referenceBroke());
                            break exports;
                        }
                        String problem = outcome.problem() != null ? outcome.problem() : stateDifference(ref, nat);
                        if (problem != null) {
                            mismatches.add("seed " + seed + ", after " + name + " " + java.util.Arrays.toString(args)
                                    + (outcome.trapped() ? " (trapped)" : "") + ": " + problem + "\n" + wat);
                            break;
                        }
                        traps += outcome.trapped() ? 1 : 0;
                    }
                }
            }
        }
        System.out.println("[random-programs " + bounds + "] " + MODULES + " modules, " + calls + " calls, "
                + traps + " of them trapping; " + referenceBroke.size() + " modules cut short where Chicory broke "
                + referenceBroke.stream().limit(3).toList() + "; mismatches: " + mismatches.size());
        assertEquals(List.of(), mismatches);
        assertTrue(traps > 0 && traps < calls, traps + " traps of " + calls);
    }

    /** The generator's "env" "h<k>" imports, computed by {@link RandomPrograms#host} as on Chicory. */
    private static ImportResolver hosts() {
        return new ImportResolver() {
            @Override
            public HostFunction function(String module, String name, FunctionType type) {
                int k = Integer.parseInt(name.substring(1));
                return args -> RandomPrograms.host(k, type, args);
            }
        };
    }

    /** All of linear memory and every global, compared; null when equal. */
    private static String stateDifference(Instance ref, NativeInstance nat) {
        MemorySegment ours = Records.memoryBytes(nat.memoryRecord());
        int size = ref.memory().pages() * 65536;
        if (ours.byteSize() != size) {
            return "memory size " + ours.byteSize() + " != " + size;
        }
        byte[] expected = ref.memory().readBytes(0, size);
        long at = ours.asByteBuffer().mismatch(java.nio.ByteBuffer.wrap(expected));
        if (at >= 0) {
            return "memory differs at " + at + ": " + ours.get(ValueLayout.JAVA_BYTE, at) + " != " + expected[(int) at];
        }
        for (int g = 0; g < 4; g++) {
            long mine = nat.global(g);
            long theirs = ref.global(g).getValue();
            if (!DifferentialTest.sameValue(GLOBAL_TYPES.get(g), mine, theirs)) {
                return "global " + g + ": 0x" + Long.toHexString(mine) + " != 0x" + Long.toHexString(theirs);
            }
        }
        return null;
    }
}
