package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Width;
import dev.keep.shim.asm.Xmm;

/**
 * f32 / f64 arithmetic, comparisons and conversions. Sign operations (abs, neg, copysign) work on
 * the bits so NaN payloads pass through untouched; min / max handle NaN and signed zeros explicitly
 * because minss / maxss return the second operand in both cases; rounding uses roundss / roundsd
 * (SSE4.1) with an explicit mode, so the current MXCSR rounding mode never matters.
 */
final class FloatEmitter {
    private static final ValType I32 = ValType.I32;
    private static final ValType I64 = ValType.I64;
    private static final ValType F32 = ValType.F32;
    private static final ValType F64 = ValType.F64;

    private static final int ROUND_NEAREST = 0;
    private static final int ROUND_DOWN = 1;
    private static final int ROUND_UP = 2;
    private static final int ROUND_TRUNCATE = 3;

    private final Assembler a;
    private final ValueStack vs;
    private final ModuleInfo mod;

    FloatEmitter(Assembler a, ValueStack vs, ModuleInfo mod) {
        this.a = a;
        this.vs = vs;
        this.mod = mod;
    }

    private enum Arith { ADD, SUB, MUL, DIV }

    boolean emit(OpCode op) {
        switch (op) {
            case F32_ADD -> arith(F32, Arith.ADD);
            case F32_SUB -> arith(F32, Arith.SUB);
            case F32_MUL -> arith(F32, Arith.MUL);
            case F32_DIV -> arith(F32, Arith.DIV);
            case F64_ADD -> arith(F64, Arith.ADD);
            case F64_SUB -> arith(F64, Arith.SUB);
            case F64_MUL -> arith(F64, Arith.MUL);
            case F64_DIV -> arith(F64, Arith.DIV);
            case F32_MIN -> minMax(F32, true);
            case F32_MAX -> minMax(F32, false);
            case F64_MIN -> minMax(F64, true);
            case F64_MAX -> minMax(F64, false);
            case F32_SQRT -> unary(F32, x -> a.sqrtss(x, x));
            case F64_SQRT -> unary(F64, x -> a.sqrtsd(x, x));
            case F32_CEIL -> unary(F32, x -> a.roundss(x, x, ROUND_UP));
            case F32_FLOOR -> unary(F32, x -> a.roundss(x, x, ROUND_DOWN));
            case F32_TRUNC -> unary(F32, x -> a.roundss(x, x, ROUND_TRUNCATE));
            case F32_NEAREST -> unary(F32, x -> a.roundss(x, x, ROUND_NEAREST));
            case F64_CEIL -> unary(F64, x -> a.roundsd(x, x, ROUND_UP));
            case F64_FLOOR -> unary(F64, x -> a.roundsd(x, x, ROUND_DOWN));
            case F64_TRUNC -> unary(F64, x -> a.roundsd(x, x, ROUND_TRUNCATE));
            case F64_NEAREST -> unary(F64, x -> a.roundsd(x, x, ROUND_NEAREST));
            case F32_ABS -> signBit(F32, false);
            case F32_NEG -> signBit(F32, true);
            case F64_ABS -> signBit(F64, false);
            case F64_NEG -> signBit(F64, true);
            case F32_COPYSIGN -> copysign(F32);
            case F64_COPYSIGN -> copysign(F64);
            case F32_EQ -> compare(F32, Cmp.EQ);
            case F32_NE -> compare(F32, Cmp.NE);
            case F32_LT -> compare(F32, Cmp.LT);
            case F32_GT -> compare(F32, Cmp.GT);
            case F32_LE -> compare(F32, Cmp.LE);
            case F32_GE -> compare(F32, Cmp.GE);
            case F64_EQ -> compare(F64, Cmp.EQ);
            case F64_NE -> compare(F64, Cmp.NE);
            case F64_LT -> compare(F64, Cmp.LT);
            case F64_GT -> compare(F64, Cmp.GT);
            case F64_LE -> compare(F64, Cmp.LE);
            case F64_GE -> compare(F64, Cmp.GE);
            case F32_DEMOTE_F64 -> convertFloat(F64, F32);
            case F64_PROMOTE_F32 -> convertFloat(F32, F64);
            case I32_REINTERPRET_F32 -> toBits(F32, I32);
            case I64_REINTERPRET_F64 -> toBits(F64, I64);
            case F32_REINTERPRET_I32 -> fromBits(I32, F32);
            case F64_REINTERPRET_I64 -> fromBits(I64, F64);
            case F32_CONVERT_I32_S -> fromInt(I32, true, F32);
            case F32_CONVERT_I32_U -> fromInt(I32, false, F32);
            case F32_CONVERT_I64_S -> fromInt(I64, true, F32);
            case F32_CONVERT_I64_U -> fromInt(I64, false, F32);
            case F64_CONVERT_I32_S -> fromInt(I32, true, F64);
            case F64_CONVERT_I32_U -> fromInt(I32, false, F64);
            case F64_CONVERT_I64_S -> fromInt(I64, true, F64);
            case F64_CONVERT_I64_U -> fromInt(I64, false, F64);
            case I32_TRUNC_F32_S -> truncate(F32, I32, true, false);
            case I32_TRUNC_F32_U -> truncate(F32, I32, false, false);
            case I32_TRUNC_F64_S -> truncate(F64, I32, true, false);
            case I32_TRUNC_F64_U -> truncate(F64, I32, false, false);
            case I64_TRUNC_F32_S -> truncate(F32, I64, true, false);
            case I64_TRUNC_F32_U -> truncate(F32, I64, false, false);
            case I64_TRUNC_F64_S -> truncate(F64, I64, true, false);
            case I64_TRUNC_F64_U -> truncate(F64, I64, false, false);
            case I32_TRUNC_SAT_F32_S -> truncate(F32, I32, true, true);
            case I32_TRUNC_SAT_F32_U -> truncate(F32, I32, false, true);
            case I32_TRUNC_SAT_F64_S -> truncate(F64, I32, true, true);
            case I32_TRUNC_SAT_F64_U -> truncate(F64, I32, false, true);
            case I64_TRUNC_SAT_F32_S -> truncate(F32, I64, true, true);
            case I64_TRUNC_SAT_F32_U -> truncate(F32, I64, false, true);
            case I64_TRUNC_SAT_F64_S -> truncate(F64, I64, true, true);
            case I64_TRUNC_SAT_F64_U -> truncate(F64, I64, false, true);
            default -> {
                return false;
            }
        }
        return true;
    }

    private static boolean dbl(ValType t) {
        return t.equals(F64);
    }

    private interface XmmOp {
        void emit(Xmm x);
    }

    private void unary(ValType t, XmmOp op) {
        Xmm x = vs.popXmm(t);
        op.emit(x);
        vs.push(t, x);
    }

    private void arith(ValType t, Arith op) {
        Xmm y = vs.popXmm(t);
        Xmm x = vs.popXmm(t);
        boolean d = dbl(t);
        switch (op) {
            case ADD -> {
                if (d) {
                    a.addsd(x, y);
                } else {
                    a.addss(x, y);
                }
            }
            case SUB -> {
                if (d) {
                    a.subsd(x, y);
                } else {
                    a.subss(x, y);
                }
            }
            case MUL -> {
                if (d) {
                    a.mulsd(x, y);
                } else {
                    a.mulss(x, y);
                }
            }
            case DIV -> {
                if (d) {
                    a.divsd(x, y);
                } else {
                    a.divss(x, y);
                }
            }
        }
        vs.free(y);
        vs.push(t, x);
    }

    private void ucomi(ValType t, Xmm x, Xmm y) {
        if (dbl(t)) {
            a.ucomisd(x, y);
        } else {
            a.ucomiss(x, y);
        }
    }

    /**
     * Unordered: x + y yields a quiet NaN. Equal: the operands can only differ in the sign of
     * zero, so OR (min prefers -0) or AND (max prefers +0) of the bits gives the answer.
     */
    private void minMax(ValType t, boolean min) {
        Xmm y = vs.popXmm(t);
        Xmm x = vs.popXmm(t);
        boolean d = dbl(t);
        Label nan = a.newLabel();
        Label ordinary = a.newLabel();
        Label done = a.newLabel();
        ucomi(t, x, y);
        a.jcc(Cond.P, nan);
        a.jcc(Cond.NE, ordinary);
        if (min) {
            a.orps(x, y);
        } else {
            a.andps(x, y);
        }
        a.jmp(done);
        a.bind(nan);
        if (d) {
            a.addsd(x, y);
        } else {
            a.addss(x, y);
        }
        a.jmp(done);
        a.bind(ordinary);
        if (min && d) {
            a.minsd(x, y);
        } else if (min) {
            a.minss(x, y);
        } else if (d) {
            a.maxsd(x, y);
        } else {
            a.maxss(x, y);
        }
        a.bind(done);
        vs.free(y);
        vs.push(t, x);
    }

    private void signBit(ValType t, boolean negate) {
        Xmm x = vs.popXmm(t);
        Gpr s = ValueStack.SCRATCH;
        if (dbl(t)) {
            a.movq(s, x);
            if (negate) {
                a.btc(s, 63);
            } else {
                a.btr(s, 63);
            }
            a.movq(x, s);
        } else {
            Gpr s32 = s.as(Width.DWORD);
            a.movd(s32, x);
            if (negate) {
                a.xor(s32, Integer.MIN_VALUE);
            } else {
                a.and(s32, Integer.MAX_VALUE);
            }
            a.movd(x, s32);
        }
        vs.push(t, x);
    }

    private void copysign(ValType t) {
        Xmm y = vs.popXmm(t);
        Xmm x = vs.popXmm(t);
        Gpr sign = vs.allocGpr();
        Gpr s = ValueStack.SCRATCH;
        if (dbl(t)) {
            a.movq(s, x);
            a.movq(sign, y);
            a.btr(s, 63);
            a.shr(sign, 63);
            a.shl(sign, 63);
            a.or(s, sign);
            a.movq(x, s);
        } else {
            Gpr s32 = s.as(Width.DWORD);
            Gpr sign32 = sign.as(Width.DWORD);
            a.movd(s32, x);
            a.movd(sign32, y);
            a.and(s32, Integer.MAX_VALUE);
            a.and(sign32, Integer.MIN_VALUE);
            a.or(s32, sign32);
            a.movd(x, s32);
        }
        vs.free(sign);
        vs.free(y);
        vs.push(t, x);
    }

    private enum Cmp { EQ, NE, LT, GT, LE, GE }

    /**
     * ucomis sets ZF, PF and CF all to 1 for unordered operands. "above" conditions (CF = 0 and
     * ZF = 0 / CF = 0) are false then, so lt / le compare with swapped operands; eq needs PF = 0 and
     * ne accepts PF = 1.
     */
    private void compare(ValType t, Cmp cmp) {
        Xmm y = vs.popXmm(t);
        Xmm x = vs.popXmm(t);
        Gpr r = vs.allocGpr();
        Gpr r8 = r.as(Width.BYTE);
        Gpr s8 = ValueStack.SCRATCH.as(Width.BYTE);
        switch (cmp) {
            case EQ -> {
                ucomi(t, x, y);
                a.setcc(Cond.E, r8);
                a.setcc(Cond.NP, s8);
                a.and(r8, s8);
            }
            case NE -> {
                ucomi(t, x, y);
                a.setcc(Cond.NE, r8);
                a.setcc(Cond.P, s8);
                a.or(r8, s8);
            }
            case LT -> {
                ucomi(t, y, x);
                a.setcc(Cond.A, r8);
            }
            case GT -> {
                ucomi(t, x, y);
                a.setcc(Cond.A, r8);
            }
            case LE -> {
                ucomi(t, y, x);
                a.setcc(Cond.AE, r8);
            }
            case GE -> {
                ucomi(t, x, y);
                a.setcc(Cond.AE, r8);
            }
        }
        a.movzx(r.as(Width.DWORD), r8);
        vs.free(x);
        vs.free(y);
        vs.push(I32, r);
    }

    private void convertFloat(ValType from, ValType to) {
        Xmm x = vs.popXmm(from);
        if (dbl(to)) {
            a.cvtss2sd(x, x);
        } else {
            a.cvtsd2ss(x, x);
        }
        vs.push(to, x);
    }

    private void toBits(ValType from, ValType to) {
        Xmm x = vs.popXmm(from);
        Gpr r = vs.allocGpr();
        if (dbl(from)) {
            a.movq(r, x);
        } else {
            a.movd(r.as(Width.DWORD), x);
        }
        vs.free(x);
        vs.push(to, r);
    }

    private void fromBits(ValType from, ValType to) {
        Gpr r = vs.popGpr(from);
        Xmm x = vs.allocXmm();
        if (dbl(to)) {
            a.movq(x, r);
        } else {
            a.movd(x, r.as(Width.DWORD));
        }
        vs.free(r);
        vs.push(to, x);
    }

    private void cvtsi2(ValType to, Xmm x, Gpr r) {
        if (dbl(to)) {
            a.cvtsi2sd(x, r);
        } else {
            a.cvtsi2ss(x, r);
        }
    }

    /**
     * Unsigned i32 converts exactly as a non-negative i64 (the register is zero-extended). Unsigned
     * i64 with the top bit set is halved with the lost bit folded in (round to odd), converted and
     * doubled, which rounds exactly like a direct conversion.
     */
    private void fromInt(ValType from, boolean signed, ValType to) {
        Gpr r = vs.popGpr(from);
        Xmm x = vs.allocXmm();
        a.xorps(x, x);
        if (from.equals(I32)) {
            cvtsi2(to, x, signed ? r.as(Width.DWORD) : r);
        } else if (signed) {
            cvtsi2(to, x, r);
        } else {
            Label big = a.newLabel();
            Label done = a.newLabel();
            a.test(r, r);
            a.jcc(Cond.S, big);
            cvtsi2(to, x, r);
            a.jmp(done);
            a.bind(big);
            a.mov(ValueStack.SCRATCH, r);
            a.and(ValueStack.SCRATCH.as(Width.DWORD), 1);
            a.shr(r, 1);
            a.or(r, ValueStack.SCRATCH);
            cvtsi2(to, x, r);
            if (dbl(to)) {
                a.addsd(x, x);
            } else {
                a.addss(x, x);
            }
            a.bind(done);
        }
        vs.free(r);
        vs.push(to, x);
    }

    private void loadConst(ValType t, double value) {
        long bits = dbl(t) ? Double.doubleToRawLongBits(value)
                : Float.floatToRawIntBits((float) value) & 0xFFFF_FFFFL;
        a.mov(ValueStack.SCRATCH, bits);
        a.movq(ValueStack.XSCRATCH, ValueStack.SCRATCH);
    }

    /**
     * float -> int. In-range values are those strictly between the last out-of-range values on
     * each side (all bounds below are exact in both formats); NaN and out-of-range values trap
     * (trapping forms) or saturate to 0 / MIN / MAX (saturating forms). Unsigned 64-bit values of
     * 2^63 and above are converted after subtracting 2^63, then the top bit is set back.
     */
    private void truncate(ValType from, ValType to, boolean signed, boolean saturating) {
        Xmm x = vs.popXmm(from);
        Gpr r = vs.allocGpr();
        boolean to64 = to.equals(I64);
        double lower;
        boolean lowerInclusive;
        if (!signed) {
            lower = -1.0;
            lowerInclusive = false;
        } else if (to64) {
            lower = -0x1p63;
            lowerInclusive = true;
        } else if (dbl(from)) {
            lower = -2147483649.0;
            lowerInclusive = false;
        } else {
            lower = -0x1p31;
            lowerInclusive = true;
        }
        double upper = to64 ? (signed ? 0x1p63 : 0x1p64) : (signed ? 0x1p31 : 0x1p32);
        Label done = a.newLabel();
        Label nan = saturating ? done : mod.trap(TrapKind.INVALID_CONVERSION);
        Label low = saturating ? a.newLabel() : mod.trap(TrapKind.INTEGER_OVERFLOW);
        Label high = saturating ? a.newLabel() : mod.trap(TrapKind.INTEGER_OVERFLOW);
        if (saturating) {
            a.xor(r.as(Width.DWORD), r.as(Width.DWORD));
        }
        ucomi(from, x, x);
        a.jcc(Cond.P, nan);
        loadConst(from, lower);
        ucomi(from, x, ValueStack.XSCRATCH);
        a.jcc(lowerInclusive ? Cond.B : Cond.BE, low);
        loadConst(from, upper);
        ucomi(from, x, ValueStack.XSCRATCH);
        a.jcc(Cond.AE, high);
        if (to64 && !signed) {
            Label small = a.newLabel();
            loadConst(from, 0x1p63);
            ucomi(from, x, ValueStack.XSCRATCH);
            a.jcc(Cond.B, small);
            if (dbl(from)) {
                a.subsd(x, ValueStack.XSCRATCH);
                a.cvttsd2si(r, x);
            } else {
                a.subss(x, ValueStack.XSCRATCH);
                a.cvttss2si(r, x);
            }
            a.btc(r, 63);
            a.jmp(done);
            a.bind(small);
        }
        Gpr dst = (to64 || !signed) ? r : r.as(Width.DWORD);
        if (dbl(from)) {
            a.cvttsd2si(dst, x);
        } else {
            a.cvttss2si(dst, x);
        }
        if (!to64 && !signed) {
            a.mov(r.as(Width.DWORD), r.as(Width.DWORD));
        }
        if (saturating) {
            a.jmp(done);
            a.bind(low);
            if (signed) {
                if (to64) {
                    a.mov(r, Long.MIN_VALUE);
                } else {
                    a.mov(r.as(Width.DWORD), Integer.MIN_VALUE);
                }
            } else {
                a.xor(r.as(Width.DWORD), r.as(Width.DWORD));
            }
            a.jmp(done);
            a.bind(high);
            if (to64) {
                a.mov(r, signed ? Long.MAX_VALUE : -1L);
            } else {
                a.mov(r.as(Width.DWORD), signed ? Integer.MAX_VALUE : -1);
            }
        }
        a.bind(done);
        vs.free(x);
        vs.push(to, r);
    }
}
