package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.Instruction;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * Evaluates a Wasm 2.0 constant expression (a global's initializer, a segment's offset or
 * element) to slot bits, for whoever lays out an instance: the linker at image build time, a store
 * keep's host at run time.
 */
public final class ConstantExpressions {
    private ConstantExpressions() {
    }

    /**
     * @param global the slot bits of global {@code i} (only earlier or imported ones are allowed)
     * @param funcRef the reference value of function {@code i} (its descriptor's address)
     * @throws UnsupportedFeatureException for an empty expression or an instruction Wasm 2.0 does
     *     not allow there (extended constants, for one)
     */
    public static long evaluate(List<Instruction> expr, IntToLongFunction global, IntToLongFunction funcRef) {
        if (expr.isEmpty()) {
            throw new UnsupportedFeatureException("empty constant expression");
        }
        Instruction ins = expr.get(0);
        return switch (ins.opcode()) {
            case I32_CONST, F32_CONST -> ins.operand(0) & 0xFFFF_FFFFL;
            case I64_CONST, F64_CONST -> ins.operand(0);
            case GLOBAL_GET -> global.applyAsLong((int) ins.operand(0));
            case REF_NULL -> 0L;
            case REF_FUNC -> funcRef.applyAsLong((int) ins.operand(0));
            default -> throw new UnsupportedFeatureException("constant expression " + ins.opcode() + " is not supported");
        };
    }
}
