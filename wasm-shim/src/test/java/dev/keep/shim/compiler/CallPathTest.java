package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Calls with many shapes, checked against Chicory's interpreter: random callees with 0-8 parameters
 * of mixed types and use counts (so different parameters are register locals) and none, one or two
 * results, called directly, as exports and through call_indirect, by random callers whose arguments
 * are loads, constants and parameters with 0-9 other values below them on the operand stack.
 */
class CallPathTest {
    private static final String[] TYPES = {"i32", "i64", "f32", "f64"};

    /** An expression of type t built from a memory load at a random address, so it sits in a register. */
    private static String load(Random rnd, String t) {
        int addr = 8 * rnd.nextInt(64);
        return "(" + t + ".load (i32.const " + addr + "))";
    }

    private static String constant(Random rnd, String t) {
        return switch (t) {
            case "i32" -> "(i32.const " + (rnd.nextBoolean() ? rnd.nextInt(5) : rnd.nextInt()) + ")";
            case "i64" -> "(i64.const " + (rnd.nextBoolean() ? rnd.nextInt(5) : rnd.nextLong()) + ")";
            case "f32" -> "(f32.const " + (rnd.nextBoolean() ? "0" : Float.toString(rnd.nextFloat() * 100 - 50)) + ")";
            default -> "(f64.const " + (rnd.nextBoolean() ? "0" : Double.toString(rnd.nextDouble() * 1e6 - 5e5)) + ")";
        };
    }

    /** The value of type t folded into an i64 (floats by their bits, so NaNs need no care). */
    private static String toI64(String t, String e) {
        return switch (t) {
            case "i32" -> "(i64.extend_i32_u " + e + ")";
            case "i64" -> e;
            case "f32" -> "(i64.extend_i32_u (i32.reinterpret_f32 " + e + "))";
            default -> "(i64.reinterpret_f64 " + e + ")";
        };
    }

    private static String module(Random rnd, int callees) {
        StringBuilder m = new StringBuilder("(module\n  (memory 1)\n");
        // Memory filled from the seed so loads give varied values.
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            data.append(String.format("\\%02x", rnd.nextInt(256)));
        }
        m.append("  (data (i32.const 0) \"").append(data).append("\")\n");
        List<String[]> paramTypes = new ArrayList<>();
        List<String> resultTypes = new ArrayList<>();
        StringBuilder elems = new StringBuilder();
        StringBuilder types = new StringBuilder();
        for (int f = 0; f < callees; f++) {
            int n = rnd.nextInt(9);
            String[] ps = new String[n];
            for (int j = 0; j < n; j++) {
                ps[j] = TYPES[rnd.nextInt(TYPES.length)];
            }
            // 0: no result, 1..4: one result of that type, 5: two results
            int shape = rnd.nextInt(6);
            String results = shape == 0 ? "" : shape == 5 ? "i64 i32" : TYPES[shape - 1];
            paramTypes.add(ps);
            resultTypes.add(results);
            StringBuilder sig = new StringBuilder();
            for (String p : ps) {
                sig.append(" (param ").append(p).append(")");
            }
            if (!results.isEmpty()) {
                sig.append(" (result ").append(results).append(")");
            }
            types.append("  (type $t").append(f).append(" (func").append(sig).append("))\n");
            // Uses: each parameter read a random number of times (0 = dead), so the register
            // ranking, and which parameters are in registers, differs from callee to callee.
            StringBuilder sum = new StringBuilder("(i64.const ").append(f * 1000 + 7).append(")");
            for (int j = 0; j < n; j++) {
                int uses = rnd.nextInt(4);
                for (int u = 0; u < uses; u++) {
                    sum = new StringBuilder("(i64.add (i64.rotl " + sum + " (i64.const 7)) "
                            + toI64(ps[j], "(local.get " + j + ")") + ")");
                }
            }
            // A call inside some callees: their register parameters must be saved across it.
            if (f > 0 && rnd.nextBoolean()) {
                int g = rnd.nextInt(f);
                sum = new StringBuilder("(i64.xor " + sum + " " + callAsI64(rnd, g, paramTypes.get(g), resultTypes.get(g), ps) + ")");
                for (int j = 0; j < n; j++) {
                    if (rnd.nextBoolean()) {
                        sum = new StringBuilder("(i64.sub " + sum + " " + toI64(ps[j], "(local.get " + j + ")") + ")");
                    }
                }
            }
            String body = switch (shape) {
                case 0 -> "(i64.store (i32.const 1000) " + sum + ")";
                case 1 -> "(i32.wrap_i64 " + sum + ")";
                case 2 -> sum.toString();
                case 3 -> "(f32.reinterpret_i32 (i32.and (i32.wrap_i64 " + sum + ") (i32.const 0x7f7fffff)))";
                case 4 -> "(f64.reinterpret_i64 (i64.and " + sum + " (i64.const 0x7fefffffffffffff)))";
                default -> sum + " (i32.wrap_i64 (i64.shr_u " + sum + " (i64.const 17)))";
            };
            m.append("  (func $f").append(f).append(" (export \"f").append(f).append("\") (type $t").append(f).append(")\n    ")
                    .append(body).append(")\n");
            elems.append(" $f").append(f);
        }
        m.insert(m.indexOf("  (memory"), types);
        m.append("  (table ").append(callees).append(" funcref)\n");
        m.append("  (elem (i32.const 0)").append(elems).append(")\n");
        // Callers: each calls a few callees directly (and once through the table) with fillers
        // below the arguments.
        for (int c = 0; c < callees; c++) {
            int g = rnd.nextInt(callees);
            String[] callerParams = {"i32", "i64", "f64"};
            StringBuilder e = new StringBuilder("(i64.const 1)");
            for (int k = 0; k < 3; k++) {
                int target = k == 0 ? g : rnd.nextInt(callees);
                e = new StringBuilder("(i64.add (i64.rotl " + e + " (i64.const 13)) "
                        + callWithFillers(rnd, target, paramTypes.get(target), resultTypes.get(target), callerParams) + ")");
            }
            e = new StringBuilder("(i64.add " + e + " " + indirect(rnd, g, paramTypes.get(g), resultTypes.get(g), callerParams) + ")");
            m.append("  (func (export \"c").append(c).append("\") (param i32 i64 f64) (result i64)\n    ")
                    .append(e).append(")\n");
        }
        return m.append(")\n").toString();
    }

    /** An argument of type t: a load (register), a constant, or a parameter of the caller. */
    private static String argument(Random rnd, String t, String[] callerParams) {
        int kind = rnd.nextInt(4);
        if (kind == 3) {
            for (int j = 0; j < callerParams.length; j++) {
                if (callerParams[j].equals(t)) {
                    return "(local.get " + j + ")";
                }
            }
        }
        return kind == 1 ? constant(rnd, t) : load(rnd, t);
    }

    private static String arguments(Random rnd, String[] ps, String[] callerParams) {
        StringBuilder args = new StringBuilder();
        for (String p : ps) {
            args.append(' ').append(argument(rnd, p, callerParams));
        }
        return args.toString();
    }

    /** The call's results folded into one i64 (the stack is left with exactly that value). */
    private static String fold(String call, String results) {
        return switch (results) {
            case "" -> "(block (result i64) " + call + " (i64.load (i32.const 1000)))";
            case "i64 i32" -> "(block (result i64) " + call + " (i64.extend_i32_u) (i64.add))";
            default -> toI64(results, call);
        };
    }

    private static String callAsI64(Random rnd, int g, String[] ps, String results, String[] own) {
        return fold("(call $f" + g + arguments(rnd, ps, own) + ")", results);
    }

    /** Values computed before the call stay on the stack below its arguments, then join the result. */
    private static String callWithFillers(Random rnd, int g, String[] ps, String results, String[] callerParams) {
        String call = fold("(call $f" + g + arguments(rnd, ps, callerParams) + ")", results);
        int fillers = rnd.nextInt(10);
        String e = call;
        for (int k = 0; k < fillers; k++) {
            String t = TYPES[rnd.nextInt(TYPES.length)];
            String filler = rnd.nextInt(3) == 0 ? constant(rnd, t) : load(rnd, t);
            // (filler ... call) evaluates the filler first: it is below the arguments.
            e = "(i64.xor " + toI64(t, filler) + " " + e + ")";
        }
        return e;
    }

    private static String indirect(Random rnd, int g, String[] ps, String results, String[] callerParams) {
        return fold("(call_indirect (type $t" + g + ")" + arguments(rnd, ps, callerParams) + " (i32.const " + g + "))",
                results);
    }

    @Test
    void directCallsAgreeWithChicoryInterpreter() throws Exception {
        Random rnd = new Random(0xca11);
        List<String> mismatches = new ArrayList<>();
        int calls = 0;
        for (int round = 0; round < 12; round++) {
            String wat = module(rnd, 10);
            byte[] wasm = Wat2Wasm.parse(wat);
            var module = Parser.parse(wasm);
            try (NativeInstance nat = new NativeInstance(ModuleCompiler.compile(wasm))) {
                Instance ref = Instance.builder(module).build();
                for (int e = 0; e < module.exportSection().exportCount(); e++) {
                    String name = module.exportSection().getExport(e).name();
                    FunctionType type = nat.functionType(nat.exportedFunction(name));
                    for (int k = 0; k < 6; k++) {
                        long[] args = DifferentialTest.randomArgs(rnd, type);
                        calls++;
                        String mismatch = DifferentialTest.compare(ref, nat, name, type, args);
                        if (mismatch != null) {
                            mismatches.add("round " + round + ": " + mismatch);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), mismatches.stream().limit(20).toList());
        assertTrue(calls >= 12 * 20 * 6, "calls " + calls);
    }
}
