package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Calls every export of a mixed module with random (and edge-case) arguments on the native code
 * and on Chicory's interpreter: results must be equal (any NaN equals any NaN of the same type,
 * as the spec leaves payloads open) and traps must carry the same message.
 */
class DifferentialTest {
    static final String WAT = """
            (module
              (type $bin (func (param i32 i32) (result i32)))
              (memory 1 2)
              (table 3 funcref)
              (elem (i32.const 0) $add $sub $mulx)
              (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
              (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
              (func $mulx (type $bin) (i32.xor (i32.mul (local.get 0) (local.get 1)) (i32.const 0x5a5a)))
              (func (export "bits32") (param i32 i32) (result i32)
                (i32.add
                  (i32.xor (i32.rotl (local.get 0) (local.get 1)) (i32.shr_u (local.get 0) (local.get 1)))
                  (i32.add (i32.clz (local.get 0))
                    (i32.add (i32.ctz (local.get 1)) (i32.popcnt (i32.shr_s (local.get 1) (i32.const 3)))))))
              (func (export "bits64") (param i64 i64) (result i64)
                (i64.sub
                  (i64.or (i64.rotr (local.get 0) (local.get 1)) (i64.shl (local.get 1) (i64.const 7)))
                  (i64.add (i64.clz (local.get 1)) (i64.mul (i64.ctz (local.get 0)) (i64.popcnt (local.get 1))))))
              (func (export "div32") (param i32 i32) (result i32)
                (i32.add (i32.div_s (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1))))
              (func (export "div64") (param i64 i64) (result i64)
                (i64.xor (i64.div_u (local.get 0) (local.get 1)) (i64.rem_s (local.get 0) (local.get 1))))
              (func (export "compare") (param i64 i64) (result i32)
                (i32.add (i32.add (i64.lt_s (local.get 0) (local.get 1)) (i64.ge_u (local.get 0) (local.get 1)))
                  (i32.mul (i32.wrap_i64 (local.get 0)) (i64.eqz (local.get 1)))))
              (func (export "extend") (param i32 i64) (result i64)
                (i64.add (i64.extend_i32_s (i32.extend8_s (local.get 0)))
                  (i64.add (i64.extend16_s (local.get 1)) (i64.extend_i32_u (local.get 0)))))
              (func (export "collatz") (param i32) (result i32) (local $n i32) (local $steps i32)
                (local.set $n (i32.or (i32.and (local.get 0) (i32.const 0xffff)) (i32.const 1)))
                (block $done
                  (loop $next
                    (br_if $done (i32.eq (local.get $n) (i32.const 1)))
                    (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
                    (if (i32.and (local.get $n) (i32.const 1))
                      (then (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 3)) (i32.const 1))))
                      (else (local.set $n (i32.shr_u (local.get $n) (i32.const 1)))))
                    (br $next)))
                (local.get $steps))
              (func (export "fib") (param i32) (result i64) (local $a i64) (local $b i64) (local $i i32)
                (local.set $b (i64.const 1))
                (block $out (loop $l
                  (br_if $out (i32.ge_u (local.get $i) (i32.and (local.get 0) (i32.const 127))))
                  (local.set $b (i64.add (local.get $a) (local.tee $a (local.get $b))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $l)))
                (local.get $a))
              (func (export "memory") (param i32 i64) (result i64)
                (i64.store offset=5 (local.get 0) (local.get 1))
                (i32.store16 (i32.add (local.get 0) (i32.const 2)) (i32.wrap_i64 (local.get 1)))
                (i64.add (i64.load8_s offset=5 (local.get 0))
                  (i64.add (i64.load32_u offset=6 (local.get 0)) (i64.load16_s offset=1 (local.get 0)))))
              (func (export "float64") (param f64 f64) (result f64)
                (f64.add
                  (f64.min (f64.sqrt (f64.abs (local.get 0))) (f64.nearest (local.get 1)))
                  (f64.max (f64.copysign (local.get 0) (local.get 1)) (f64.floor (f64.neg (local.get 1))))))
              (func (export "float32") (param f32 f32) (result f32)
                (f32.div (f32.mul (f32.ceil (local.get 0)) (f32.trunc (local.get 1)))
                  (f32.sub (f32.demote_f64 (f64.promote_f32 (local.get 1))) (local.get 0))))
              (func (export "convert") (param i64 f64) (result i64)
                (i64.add (i64.trunc_sat_f64_u (local.get 1))
                  (i64.add (i64.trunc_f32_s (f32.convert_i64_u (i64.shr_u (local.get 0) (i64.const 2))))
                    (i64.reinterpret_f64 (f64.convert_i64_u (local.get 0))))))
              (func (export "truncs") (param f64) (result i32)
                (i32.add (i32.trunc_f64_u (local.get 0)) (i32.trunc_sat_f64_s (local.get 0))))
              (func (export "switch") (param i32) (result i32)
                (block $c (block $b (block $a
                  (br_table $a $b $c $a (i32.and (local.get 0) (i32.const 7))))
                  (return (i32.const 100)))
                  (return (i32.const 200)))
                (i32.const 300))
              (func (export "choose") (param i32 f64 f64) (result f64)
                (select (local.get 1) (local.get 2) (i32.and (local.get 0) (i32.const 1))))
              (func $pair (param i32) (result i32 i64)
                (local.get 0) (i64.extend_i32_s (local.get 0)))
              (func (export "multi") (param i32) (result i64) (local $t i64)
                (block (result i32 i64) (call $pair (local.get 0)))
                local.set $t
                i64.extend_i32_u
                local.get $t
                i64.add)
              (func (export "indirect") (param i32 i32 i32) (result i32)
                (call_indirect (type $bin) (local.get 1) (local.get 2) (i32.and (local.get 0) (i32.const 3))))
              (func (export "grow") (param i32) (result i32)
                (i32.add (memory.grow (i32.and (local.get 0) (i32.const 1))) (memory.size)))
            )
            """;

    private static final long[] SPECIAL_INTS = {0, 1, -1, 2, 7, Integer.MIN_VALUE, Integer.MAX_VALUE,
        Long.MIN_VALUE, Long.MAX_VALUE, 0xFFFF_FFFFL, 65530, 65536};
    private static final double[] SPECIAL_DOUBLES = {0.0, -0.0, 1.5, -2.5, 0.5, Double.NaN,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 2147483647.9, -2147483648.9, 4294967295.5,
        9.3e18, 1.9e19, -1.0, 1e-310};

    /** Random (and edge-case) arguments for every parameter of type, in order. */
    static long[] randomArgs(Random rnd, FunctionType type) {
        long[] args = new long[type.params().size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = randomArg(rnd, type.params().get(i));
        }
        return args;
    }

    static long randomArg(Random rnd, ValType t) {
        boolean special = rnd.nextInt(3) == 0;
        if (t.equals(ValType.I32)) {
            return (special ? SPECIAL_INTS[rnd.nextInt(SPECIAL_INTS.length)] : rnd.nextInt() >>> rnd.nextInt(32))
                    & 0xFFFF_FFFFL;
        }
        if (t.equals(ValType.I64)) {
            return special ? SPECIAL_INTS[rnd.nextInt(SPECIAL_INTS.length)] : rnd.nextLong() >> rnd.nextInt(63);
        }
        double d = special ? SPECIAL_DOUBLES[rnd.nextInt(SPECIAL_DOUBLES.length)]
                : (rnd.nextDouble() - 0.5) * Math.pow(2, rnd.nextInt(80) - 20);
        if (t.equals(ValType.F32)) {
            return Float.floatToRawIntBits((float) d) & 0xFFFF_FFFFL;
        }
        return Double.doubleToRawLongBits(d);
    }

    /** Calls both and describes the first difference, or returns null when they agree. */
    static String compare(Instance ref, NativeInstance nat, String name, FunctionType type, long[] args) {
        return call(ref, nat, name, type, args).problem();
    }

    /**
     * How one call on both went: the first difference (null when they agree), whether both trapped,
     * and, when the reference itself broke (a Java exception from Chicory's internals rather than a
     * Wasm trap), what it threw; our side is not judged then.
     */
    record Outcome(String problem, boolean trapped, String referenceBroke) {
        Outcome(String problem, boolean trapped) {
            this(problem, trapped, null);
        }
    }

    static Outcome call(Instance ref, NativeInstance nat, String name, FunctionType type, long[] args) {
        long[] expected = null;
        String expectedTrap = null;
        try {
            expected = ref.export(name).apply(args);
        } catch (com.dylibso.chicory.wasm.ChicoryException | StackOverflowError ex) {
            expectedTrap = String.valueOf(ex.getMessage()).toLowerCase();
        } catch (RuntimeException ex) {
            return new Outcome(null, false, ex.toString());
        }
        String call = name + " " + java.util.Arrays.toString(args);
        try {
            long[] got = nat.invoke(name, args);
            if (expectedTrap != null) {
                return new Outcome(call + ": expected trap " + expectedTrap, false);
            }
            for (int k = 0; k < got.length; k++) {
                if (!sameValue(type.returns().get(k), got[k], expected[k])) {
                    return new Outcome(call + ": result " + k + " 0x" + Long.toHexString(got[k]) + " != 0x"
                            + Long.toHexString(expected[k]), false);
                }
            }
            return new Outcome(null, false);
        } catch (WasmTrap t) {
            if (expectedTrap == null || !expectedTrap.contains(t.getMessage())) {
                return new Outcome(call + ": trap " + t.getMessage() + " vs " + expectedTrap, true);
            }
            return new Outcome(null, true);
        }
    }

    static boolean sameValue(ValType t, long x, long y) {
        if (t.equals(ValType.F32)) {
            return (int) x == (int) y || (Float.isNaN(Float.intBitsToFloat((int) x)) && Float.isNaN(Float.intBitsToFloat((int) y)));
        }
        if (t.equals(ValType.F64)) {
            return x == y || (Double.isNaN(Double.longBitsToDouble(x)) && Double.isNaN(Double.longBitsToDouble(y)));
        }
        if (t.equals(ValType.I32)) {
            return (int) x == (int) y;
        }
        return x == y;
    }

    /** In both bounds-check modes: explicit checks, and guard regions (faults become traps). */
    @ParameterizedTest
    @EnumSource(CompilerOptions.BoundsChecks.class)
    void nativeCodeAgreesWithChicoryInterpreter(CompilerOptions.BoundsChecks bounds) throws Exception {
        byte[] wasm = Wat2Wasm.parse(WAT);
        var module = Parser.parse(wasm);
        Random rnd = new Random(0x5eed);
        int calls = 0;
        int traps = 0;
        List<String> mismatches = new ArrayList<>();
        try (NativeInstance nat = new NativeInstance(ModuleCompiler.compile(wasm, new CompilerOptions(bounds)))) {
            // Both instances live for the whole run, so memory and growth carry over identically.
            Instance ref = Instance.builder(module).build();
            for (int e = 0; e < module.exportSection().exportCount(); e++) {
                String name = module.exportSection().getExport(e).name();
                FunctionType type = nat.functionType(nat.exportedFunction(name));
                for (int round = 0; round < 300; round++) {
                    long[] args = randomArgs(rnd, type);
                    String expected;
                    long[] expectedValues = null;
                    try {
                        expectedValues = ref.export(name).apply(args);
                        expected = null;
                    } catch (RuntimeException ex) {
                        expected = String.valueOf(ex.getMessage()).toLowerCase();
                    }
                    calls++;
                    try {
                        long[] got = nat.invoke(name, args);
                        if (expected != null) {
                            mismatches.add(name + " " + java.util.Arrays.toString(args) + ": expected trap " + expected);
                            continue;
                        }
                        for (int k = 0; k < got.length; k++) {
                            if (!sameValue(type.returns().get(k), got[k], expectedValues[k])) {
                                mismatches.add(name + " " + java.util.Arrays.toString(args) + ": result " + k
                                        + " 0x" + Long.toHexString(got[k]) + " != 0x" + Long.toHexString(expectedValues[k]));
                            }
                        }
                    } catch (WasmTrap t) {
                        traps++;
                        if (expected == null || !expected.contains(t.getMessage())) {
                            mismatches.add(name + " " + java.util.Arrays.toString(args) + ": trap " + t.getMessage()
                                    + " vs " + expected);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), mismatches.stream().limit(20).toList());
        assertTrue(calls > 5000 && traps > 50, "calls " + calls + " traps " + traps);
    }
}
