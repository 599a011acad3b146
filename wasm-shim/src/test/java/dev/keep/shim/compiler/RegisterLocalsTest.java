package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Locals kept in registers (RegisterLocals): values must survive calls (direct, indirect, into
 * functions that use every register themselves), deep recursion, loops and br_table with locals
 * live across, multi-value returns, traps, and functions with more locals than registers. Each
 * export is checked against Chicory's interpreter with random arguments.
 */
class RegisterLocalsTest {
    /** A function with more i32, i64 and f64 locals than there are registers for them, all live in a loop around a call. */
    private static String manyLocals() {
        StringBuilder f = new StringBuilder("(func (export \"many\") (param $n i32) (param $seed i32) (result i64)\n");
        f.append("  (local $i i32)");
        for (int k = 0; k < 14; k++) {
            f.append(" (local $a").append(k).append(" i32)");
        }
        for (int k = 0; k < 5; k++) {
            f.append(" (local $b").append(k).append(" i64)");
        }
        for (int k = 0; k < 11; k++) {
            f.append(" (local $x").append(k).append(" f64)");
        }
        f.append("\n  (block $done (loop $top\n");
        f.append("    (br_if $done (i32.ge_u (local.get $i) (i32.and (local.get $n) (i32.const 31))))\n");
        for (int k = 0; k < 14; k++) {
            String prev = k == 0 ? "$seed" : "$a" + (k - 1);
            f.append("    (local.set $a").append(k).append(" (i32.add (i32.mul (local.get $a").append(k)
                    .append(") (i32.const 31)) (i32.add (local.get ").append(prev).append(") (local.get $i))))\n");
        }
        f.append("    (local.set $a7 (i32.add (local.get $a7) (call $clobber (local.get $a13))))\n");
        for (int k = 0; k < 5; k++) {
            f.append("    (local.set $b").append(k).append(" (i64.add (i64.rotl (local.get $b").append(k)
                    .append(") (i64.const 5)) (i64.extend_i32_u (local.get $a").append(k * 2).append("))))\n");
        }
        for (int k = 0; k < 11; k++) {
            f.append("    (local.set $x").append(k).append(" (f64.add (f64.mul (local.get $x").append(k)
                    .append(") (f64.const 0.5)) (f64.convert_i32_s (local.get $a").append(k).append("))))\n");
        }
        f.append("    (drop (call $clobberf (local.get $i)))\n");
        f.append("    (local.set $i (i32.add (local.get $i) (i32.const 1)))\n");
        f.append("    (br $top)))\n");
        StringBuilder sum = new StringBuilder("(i64.const 0)");
        for (int k = 0; k < 14; k++) {
            sum = new StringBuilder("(i64.add " + sum + " (i64.extend_i32_u (local.get $a" + k + ")))");
        }
        for (int k = 0; k < 5; k++) {
            sum = new StringBuilder("(i64.xor " + sum + " (local.get $b" + k + "))");
        }
        for (int k = 0; k < 11; k++) {
            sum = new StringBuilder("(i64.add " + sum + " (i64.trunc_sat_f64_s (local.get $x" + k + ")))");
        }
        f.append("  ").append(sum).append(")\n");
        return f.toString();
    }

    static final String WAT = """
            (module
              (type $ii (func (param i32) (result i32)))
              (memory 1)
              (table 2 funcref)
              (elem (i32.const 0) $clobber $clobberf)
              ;; Uses many general registers for locals of its own, so it overwrites a caller's.
              (func $clobber (type $ii) (local i32 i32 i32 i32 i32 i32 i64 i64)
                (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
                (local.set 2 (i32.xor (local.get 1) (i32.const 0x55)))
                (local.set 3 (i32.add (local.get 2) (local.get 1)))
                (local.set 4 (i32.sub (local.get 3) (local.get 0)))
                (local.set 5 (i32.or (local.get 4) (local.get 2)))
                (local.set 6 (i32.and (local.get 5) (local.get 3)))
                (local.set 7 (i64.extend_i32_u (local.get 6)))
                (local.set 8 (i64.mul (local.get 7) (i64.const 0x1000193)))
                (i32.wrap_i64 (i64.add (local.get 8) (i64.extend_i32_u (i32.add (local.get 1) (local.get 5))))))
              ;; The same for xmm registers.
              (func $clobberf (type $ii) (local f64 f64 f64 f64 f64 f64 f64 f64 f64 f32)
                (local.set 1 (f64.convert_i32_s (local.get 0)))
                (local.set 2 (f64.add (local.get 1) (f64.const 1.25)))
                (local.set 3 (f64.mul (local.get 2) (local.get 1)))
                (local.set 4 (f64.sub (local.get 3) (local.get 2)))
                (local.set 5 (f64.div (local.get 4) (f64.const 3)))
                (local.set 6 (f64.sqrt (f64.abs (local.get 5))))
                (local.set 7 (f64.add (local.get 6) (local.get 1)))
                (local.set 8 (f64.neg (local.get 7)))
                (local.set 9 (f64.min (local.get 8) (local.get 3)))
                (local.set 10 (f32.demote_f64 (local.get 9)))
                (i32.trunc_sat_f32_s (local.get 10)))
              (func (export "survive") (param $p i32) (param $q i64) (param $r f64) (param $s f32) (result i64)
                (local $a i32) (local $b i32) (local $c i32) (local $d i64) (local $e i64)
                (local $x f64) (local $y f64) (local $z f32)
                (local.set $a (i32.add (local.get $p) (i32.const 1)))
                (local.set $b (i32.xor (local.get $p) (i32.const -1)))
                (local.set $d (i64.mul (local.get $q) (i64.const 3)))
                (local.set $x (f64.add (local.get $r) (f64.const 2)))
                (local.set $z (f32.mul (local.get $s) (f32.const 0.5)))
                (local.set $c (call $clobber (local.get $a)))
                (local.set $e (i64.extend_i32_s (call $clobberf (local.get $b))))
                (local.set $y (f64.convert_i32_u
                  (call_indirect (type $ii) (local.get $c) (i32.and (local.get $p) (i32.const 1)))))
                (i64.add
                  (i64.add
                    (i64.add (i64.extend_i32_u (i32.add (local.get $a) (local.get $b))) (i64.extend_i32_u (local.get $c)))
                    (i64.add (i64.add (local.get $d) (local.get $e)) (local.get $q)))
                  (i64.add
                    (i64.add (i64.reinterpret_f64 (local.get $x)) (i64.reinterpret_f64 (local.get $y)))
                    (i64.add (i64.reinterpret_f64 (local.get $r))
                      (i64.extend_i32_u (i32.xor (i32.reinterpret_f32 (local.get $z)) (i32.reinterpret_f32 (local.get $s))))))))
              ;; Locals live across the recursive call, at every depth.
              (func $rec (param $n i32) (param $k i32) (result i64) (local $a i32) (local $b i64) (local $x f64)
                (if (i32.eqz (local.get $n)) (then (return (i64.extend_i32_u (local.get $k)))))
                (local.set $a (i32.mul (local.get $n) (local.get $k)))
                (local.set $b (i64.extend_i32_u (i32.xor (local.get $a) (i32.const 0x9e37))))
                (local.set $x (f64.convert_i32_u (local.get $n)))
                (i64.add (call $rec (i32.sub (local.get $n) (i32.const 1)) (i32.add (local.get $k) (i32.const 7)))
                  (i64.add (i64.add (local.get $b) (i64.extend_i32_u (local.get $a)))
                    (i64.add (i64.extend_i32_u (local.get $n))
                      (i64.trunc_sat_f64_u (f64.mul (local.get $x) (f64.const 1.5)))))))
              (func (export "recurse") (param i32 i32) (result i64)
                (call $rec (i32.and (local.get 0) (i32.const 511)) (local.get 1)))
              (func (export "deep") (param i32) (result i64)
                (call $rec (local.get 0) (i32.const 1)))
              ;; br_table and loops with locals live across calls, a local dead across a call ($t).
              (func (export "loops") (param i32) (result i32) (local $i i32) (local $acc i32) (local $t i32) (local $u i64)
                (block $exit
                  (loop $top
                    (br_if $exit (i32.ge_u (local.get $i) (i32.and (local.get 0) (i32.const 63))))
                    (block $next
                      (block $c (block $b (block $a
                        (br_table $a $b $c (i32.rem_u (local.get $i) (i32.const 3))))
                        (local.set $acc (i32.add (local.get $acc) (call $clobber (local.get $i))))
                        (br $next))
                      (local.set $t (local.tee $acc (i32.xor (local.get $acc) (local.get $i))))
                      (local.set $u (i64.add (local.get $u) (i64.extend_i32_u (local.get $t))))
                      (br $next))
                      (local.set $t (call $clobber (local.get $acc)))
                      (local.set $u (i64.add (local.get $u) (i64.extend_i32_u (local.get $t)))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $top)))
                (i32.add (local.get $acc) (i32.wrap_i64 (local.get $u))))
              ;; Chains of local.tee, a value kept on the operand stack across a set of the same local.
              (func (export "tee") (param i32) (result i32) (local i32 i32 i32)
                (local.set 1 (local.tee 2 (i32.add (local.tee 3 (local.get 0)) (i32.const 1))))
                (i32.add (local.get 1)
                  (i32.add (local.get 0)
                    (i32.mul (local.tee 0 (i32.const 5)) (i32.add (local.get 2) (local.get 3))))))
              ;; Instructions that need particular registers (shifts, division, memory.copy / fill)
              ;; with locals live across them, and traps (division by zero) in the middle.
              (func (export "fixed") (param $x i32) (param $y i32) (param $z i64) (result i64)
                (local $a i32) (local $b i32) (local $c i64) (local $d i32) (local $e i32)
                (local.set $a (i32.shl (local.get $x) (local.get $y)))
                (local.set $b (i32.rotr (local.get $y) (local.get $x)))
                (local.set $c (i64.shr_u (local.get $z) (i64.extend_i32_u (local.get $y))))
                (local.set $d (i32.div_u (local.get $x) (i32.or (local.get $y) (i32.const 1))))
                (local.set $e (i32.rem_s (local.get $a) (local.get $y)))
                (memory.fill (i32.const 100) (local.get $x) (i32.const 64))
                (memory.copy (i32.const 300) (i32.const 90) (i32.and (local.get $y) (i32.const 63)))
                (i64.add (i64.load (i32.const 300))
                  (i64.add (local.get $c)
                    (i64.extend_i32_u (i32.add (i32.add (local.get $a) (local.get $b))
                      (i32.add (local.get $d) (local.get $e)))))))
              ;; table.init and table.copy (RCX, RSI, RDI and one more register) in a body whose six hot
              ;; i32 locals take every other general register (it once failed to compile: "no general
              ;; register left", found by RandomProgramTest).
              (table $tc 8 funcref)
              (elem $pe funcref (ref.func $pair) (ref.null func) (ref.func $pair) (ref.null func))
              (func (export "tables") (param $x i32) (param $y i32) (result i32)
                (local $a i32) (local $b i32) (local $c i32) (local $d i32)
                (local.set $a (i32.add (local.get $x) (i32.const 1)))
                (local.set $b (i32.xor (local.get $y) (local.get $a)))
                (local.set $c (i32.mul (local.get $a) (local.get $b)))
                (local.set $d (i32.sub (local.get $c) (local.get $x)))
                (table.init $tc $pe (i32.and (local.get $x) (i32.const 7)) (i32.const 0)
                  (i32.and (local.get $y) (i32.const 3)))
                (table.copy $tc $tc (i32.and (local.get $y) (i32.const 7)) (i32.and (local.get $a) (i32.const 7))
                  (i32.and (local.get $b) (i32.const 1)))
                (i32.add (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d)))
                  (i32.add (i32.add (local.get $x) (local.get $y))
                    (i32.add (table.size $tc) (ref.is_null (table.get $tc (i32.and (local.get $d) (i32.const 7))))))))
              ;; Multi-value results from and into functions with register locals.
              (func $pair (param $v i32) (result i32 i64) (local $w i32) (local $l i64)
                (local.set $w (i32.mul (local.get $v) (i32.const 7)))
                (local.set $l (i64.extend_i32_s (local.get $w)))
                (local.get $w) (i64.add (local.get $l) (i64.const 1)))
              (func (export "multi") (param $v i32) (result i64) (local $k i32) (local $t i64) (local $s i32)
                (local.set $s (i32.add (local.get $v) (i32.const 3)))
                (call $pair (local.get $v))
                (local.set $t)
                (local.set $k)
                (i64.add (i64.add (local.get $t) (i64.extend_i32_u (local.get $k)))
                  (i64.extend_i32_u (local.get $s))))
            """ + manyLocals() + ")\n";

    @Test
    void registerLocalsAgreeWithChicoryInterpreter() throws Exception {
        byte[] wasm = Wat2Wasm.parse(WAT);
        var module = Parser.parse(wasm);
        Random rnd = new Random(0x10ca1);
        List<String> mismatches = new ArrayList<>();
        int calls = 0;
        try (NativeInstance nat = new NativeInstance(ModuleCompiler.compile(wasm))) {
            Instance ref = Instance.builder(module).build();
            for (int e = 0; e < module.exportSection().exportCount(); e++) {
                String name = module.exportSection().getExport(e).name();
                if (name.equals("deep")) {
                    continue;
                }
                FunctionType type = nat.functionType(nat.exportedFunction(name));
                for (int round = 0; round < 150; round++) {
                    long[] args = DifferentialTest.randomArgs(rnd, type);
                    calls++;
                    String mismatch = DifferentialTest.compare(ref, nat, name, type, args);
                    if (mismatch != null) {
                        mismatches.add(mismatch);
                    }
                }
            }
        }
        assertEquals(List.of(), mismatches.stream().limit(20).toList());
        assertTrue(calls >= 150 * 7, "calls " + calls);
    }

    @Test
    void deepRecursionKeepsLocalsAndExhaustionLeavesTheInstanceUsable() throws Exception {
        byte[] wasm = Wat2Wasm.parse(WAT);
        try (NativeInstance nat = new NativeInstance(ModuleCompiler.compile(wasm))) {
            // 20,000 frames, each with locals live across its call: the sum must be exact.
            assertArrayEquals(new long[] {expectedRec(20_000, 1)}, nat.invoke("deep", 20_000));
            WasmTrap t = assertThrows(WasmTrap.class, () -> nat.invoke("deep", 100_000_000));
            assertEquals("call stack exhausted", t.getMessage());
            assertArrayEquals(new long[] {expectedRec(300, 1)}, nat.invoke("deep", 300));
        }
    }

    /** $rec in Java (unsigned i32 arithmetic, as the module computes it). */
    private static long expectedRec(int n, int k) {
        long sum = 0;
        while (n != 0) {
            int a = n * k;
            long b = Integer.toUnsignedLong(a ^ 0x9e37);
            double x = Integer.toUnsignedLong(n);
            sum += b + Integer.toUnsignedLong(a) + Integer.toUnsignedLong(n) + (long) (x * 1.5);
            n -= 1;
            k += 7;
        }
        return sum + Integer.toUnsignedLong(k);
    }

    @Test
    void moduleWithRegisterLocalsCompilesToIdenticalBytes() {
        byte[] wasm = Wat2Wasm.parse(WAT);
        assertArrayEquals(ModuleCompiler.compile(wasm).code(), ModuleCompiler.compile(wasm.clone()).code());
    }
}
