package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;

/** Integer and floating-point instructions, with the spec's exact trap and IEEE semantics. */
final class NumericEmitter {
    private static final ValType I32 = ValType.I32;
    private static final ValType I64 = ValType.I64;
    private static final ValType F32 = ValType.F32;
    private static final ValType F64 = ValType.F64;

    private final Assembler a;
    private final ValueStack vs;
    private final ModuleInfo mod;
    private final FloatEmitter floats;

    NumericEmitter(Assembler a, ValueStack vs, ModuleInfo mod) {
        this.a = a;
        this.vs = vs;
        this.mod = mod;
        this.floats = new FloatEmitter(a, vs, mod);
    }

    private enum Alu { ADD, SUB, AND, OR, XOR, MUL }

    private enum Shift { SHL, SHR, SAR, ROL, ROR }

    boolean emit(OpCode op) {
        switch (op) {
            case I32_ADD -> alu(I32, Alu.ADD);
            case I32_SUB -> alu(I32, Alu.SUB);
            case I32_MUL -> alu(I32, Alu.MUL);
            case I32_AND -> alu(I32, Alu.AND);
            case I32_OR -> alu(I32, Alu.OR);
            case I32_XOR -> alu(I32, Alu.XOR);
            case I64_ADD -> alu(I64, Alu.ADD);
            case I64_SUB -> alu(I64, Alu.SUB);
            case I64_MUL -> alu(I64, Alu.MUL);
            case I64_AND -> alu(I64, Alu.AND);
            case I64_OR -> alu(I64, Alu.OR);
            case I64_XOR -> alu(I64, Alu.XOR);
            case I32_SHL -> shift(I32, Shift.SHL);
            case I32_SHR_S -> shift(I32, Shift.SAR);
            case I32_SHR_U -> shift(I32, Shift.SHR);
            case I32_ROTL -> shift(I32, Shift.ROL);
            case I32_ROTR -> shift(I32, Shift.ROR);
            case I64_SHL -> shift(I64, Shift.SHL);
            case I64_SHR_S -> shift(I64, Shift.SAR);
            case I64_SHR_U -> shift(I64, Shift.SHR);
            case I64_ROTL -> shift(I64, Shift.ROL);
            case I64_ROTR -> shift(I64, Shift.ROR);
            case I32_DIV_S -> divide(I32, true, false);
            case I32_DIV_U -> divide(I32, false, false);
            case I32_REM_S -> divide(I32, true, true);
            case I32_REM_U -> divide(I32, false, true);
            case I64_DIV_S -> divide(I64, true, false);
            case I64_DIV_U -> divide(I64, false, false);
            case I64_REM_S -> divide(I64, true, true);
            case I64_REM_U -> divide(I64, false, true);
            case I32_EQZ -> eqz(I32);
            case I64_EQZ -> eqz(I64);
            case I32_EQ -> compare(I32, Cond.E);
            case I32_NE -> compare(I32, Cond.NE);
            case I32_LT_S -> compare(I32, Cond.L);
            case I32_LT_U -> compare(I32, Cond.B);
            case I32_GT_S -> compare(I32, Cond.G);
            case I32_GT_U -> compare(I32, Cond.A);
            case I32_LE_S -> compare(I32, Cond.LE);
            case I32_LE_U -> compare(I32, Cond.BE);
            case I32_GE_S -> compare(I32, Cond.GE);
            case I32_GE_U -> compare(I32, Cond.AE);
            case I64_EQ -> compare(I64, Cond.E);
            case I64_NE -> compare(I64, Cond.NE);
            case I64_LT_S -> compare(I64, Cond.L);
            case I64_LT_U -> compare(I64, Cond.B);
            case I64_GT_S -> compare(I64, Cond.G);
            case I64_GT_U -> compare(I64, Cond.A);
            case I64_LE_S -> compare(I64, Cond.LE);
            case I64_LE_U -> compare(I64, Cond.BE);
            case I64_GE_S -> compare(I64, Cond.GE);
            case I64_GE_U -> compare(I64, Cond.AE);
            case I32_CLZ -> clz(I32);
            case I64_CLZ -> clz(I64);
            case I32_CTZ -> ctz(I32);
            case I64_CTZ -> ctz(I64);
            case I32_POPCNT -> unary(I32, I32, r -> a.popcnt(r.as(Width.DWORD), r.as(Width.DWORD)));
            case I64_POPCNT -> unary(I64, I64, r -> a.popcnt(r, r));
            case I32_WRAP_I64 -> unary(I64, I32, r -> a.mov(r.as(Width.DWORD), r.as(Width.DWORD)));
            case I64_EXTEND_I32_S -> unary(I32, I64, r -> a.movsxd(r, r.as(Width.DWORD)));
            case I64_EXTEND_I32_U -> unary(I32, I64, r -> { });
            case I32_EXTEND_8_S -> unary(I32, I32, r -> a.movsx(r.as(Width.DWORD), r.as(Width.BYTE)));
            case I32_EXTEND_16_S -> unary(I32, I32, r -> a.movsx(r.as(Width.DWORD), r.as(Width.WORD)));
            case I64_EXTEND_8_S -> unary(I64, I64, r -> a.movsx(r, r.as(Width.BYTE)));
            case I64_EXTEND_16_S -> unary(I64, I64, r -> a.movsx(r, r.as(Width.WORD)));
            case I64_EXTEND_32_S -> unary(I64, I64, r -> a.movsxd(r, r.as(Width.DWORD)));
            default -> {
                return floats.emit(op);
            }
        }
        return true;
    }

    private static Width width(ValType t) {
        return t.equals(I64) ? Width.QWORD : Width.DWORD;
    }

    private interface RegOp {
        void emit(Gpr r);
    }

    private void unary(ValType in, ValType out, RegOp op) {
        Gpr r = vs.popGpr(in);
        op.emit(r);
        vs.push(out, r);
    }

    /** The top constant as an immediate for this width, or null when it does not fit. */
    private Long immediateOperand(ValType t) {
        ValueStack.Entry top = vs.peek(0);
        if (!top.isConst() || !top.type.equals(t)) {
            return null;
        }
        long v = t.equals(I32) ? (long) (int) top.bits : top.bits;
        return v == (int) v ? v : null;
    }

    private void alu(ValType t, Alu op) {
        Width w = width(t);
        Long imm = immediateOperand(t);
        if (imm != null) {
            vs.drop();
            Gpr x = vs.popGpr(t).as(w);
            long v = imm;
            switch (op) {
                case ADD -> a.add(x, v);
                case SUB -> a.sub(x, v);
                case AND -> a.and(x, v);
                case OR -> a.or(x, v);
                case XOR -> a.xor(x, v);
                case MUL -> a.imul(x, x, v);
            }
            vs.push(t, ValueStack.q(x));
            return;
        }
        Gpr y = vs.popGpr(t).as(w);
        Gpr x = vs.popGpr(t).as(w);
        switch (op) {
            case ADD -> a.add(x, y);
            case SUB -> a.sub(x, y);
            case AND -> a.and(x, y);
            case OR -> a.or(x, y);
            case XOR -> a.xor(x, y);
            case MUL -> a.imul(x, y);
        }
        vs.free(y);
        vs.push(t, ValueStack.q(x));
    }

    private void shift(ValType t, Shift op) {
        Width w = width(t);
        ValueStack.Entry top = vs.peek(0);
        if (top.isConst() && top.type.equals(t)) {
            int count = (int) (top.bits & (w.bits() - 1));
            vs.drop();
            Gpr x = vs.popGpr(t).as(w);
            if (count != 0) {
                switch (op) {
                    case SHL -> a.shl(x, count);
                    case SHR -> a.shr(x, count);
                    case SAR -> a.sar(x, count);
                    case ROL -> a.rol(x, count);
                    case ROR -> a.ror(x, count);
                }
            }
            vs.push(t, ValueStack.q(x));
            return;
        }
        Gpr c = vs.popInto(Reg.RCX, t);
        Gpr x = vs.popGpr(t).as(w);
        switch (op) {
            case SHL -> a.shl(x, Reg.CL);
            case SHR -> a.shr(x, Reg.CL);
            case SAR -> a.sar(x, Reg.CL);
            case ROL -> a.rol(x, Reg.CL);
            case ROR -> a.ror(x, Reg.CL);
        }
        vs.free(c);
        vs.push(t, ValueStack.q(x));
    }

    private void divide(ValType t, boolean signed, boolean remainder) {
        Width w = width(t);
        vs.claim(Reg.RDX);
        Gpr y = vs.popGpr(t);
        if (y.index() == Reg.RAX.index()) {
            Gpr moved = vs.allocGpr();
            a.mov(moved, y);
            vs.free(Reg.RAX);
            y = moved;
        }
        vs.popInto(Reg.RAX, t);
        Gpr yw = y.as(w);
        Gpr rax = Reg.RAX.as(w);
        Gpr rdx = Reg.RDX.as(w);
        Label done = a.newLabel();
        a.test(yw, yw);
        a.jcc(Cond.E, mod.trap(TrapKind.INTEGER_DIVIDE_BY_ZERO));
        if (signed) {
            Label ordinary = a.newLabel();
            a.cmp(yw, -1);
            a.jcc(Cond.NE, ordinary);
            if (remainder) {
                // x rem -1 is 0 for every x; idiv would fault on MIN rem -1.
                a.xor(Reg.EDX, Reg.EDX);
                a.jmp(done);
            } else {
                if (w == Width.QWORD) {
                    a.mov(ValueStack.SCRATCH, Long.MIN_VALUE);
                    a.cmp(Reg.RAX, ValueStack.SCRATCH);
                } else {
                    a.cmp(Reg.EAX, Integer.MIN_VALUE);
                }
                a.jcc(Cond.E, mod.trap(TrapKind.INTEGER_OVERFLOW));
            }
            a.bind(ordinary);
            if (w == Width.QWORD) {
                a.cqo();
            } else {
                a.cdq();
            }
            a.idiv(yw);
        } else {
            a.xor(Reg.EDX, Reg.EDX);
            a.div(yw);
        }
        a.bind(done);
        vs.free(y);
        if (remainder) {
            vs.free(Reg.RAX);
            vs.push(t, ValueStack.q(rdx));
        } else {
            vs.free(Reg.RDX);
            vs.push(t, ValueStack.q(rax));
        }
    }

    private void eqz(ValType t) {
        Width w = width(t);
        Gpr x = vs.popGpr(t);
        a.test(x.as(w), x.as(w));
        a.setcc(Cond.E, x.as(Width.BYTE));
        a.movzx(x.as(Width.DWORD), x.as(Width.BYTE));
        vs.push(I32, x);
    }

    private void compare(ValType t, Cond cond) {
        Gpr x = compareOperands(t);
        a.setcc(cond, x.as(Width.BYTE));
        a.movzx(x.as(Width.DWORD), x.as(Width.BYTE));
        vs.push(I32, x);
    }

    /** Pops two operands and compares them; returns the first operand's register (still owned). */
    private Gpr compareOperands(ValType t) {
        Width w = width(t);
        Long imm = immediateOperand(t);
        Gpr x;
        if (imm != null) {
            vs.drop();
            x = vs.popGpr(t);
            a.cmp(x.as(w), imm);
        } else {
            Gpr y = vs.popGpr(t);
            x = vs.popGpr(t);
            a.cmp(x.as(w), y.as(w));
            vs.free(y);
        }
        return x;
    }

    /** The condition an integer comparison (or eqz) tests, or null for any other instruction. */
    static Cond branchCondition(OpCode op) {
        return switch (op) {
            case I32_EQZ, I64_EQZ, I32_EQ, I64_EQ -> Cond.E;
            case I32_NE, I64_NE -> Cond.NE;
            case I32_LT_S, I64_LT_S -> Cond.L;
            case I32_LT_U, I64_LT_U -> Cond.B;
            case I32_GT_S, I64_GT_S -> Cond.G;
            case I32_GT_U, I64_GT_U -> Cond.A;
            case I32_LE_S, I64_LE_S -> Cond.LE;
            case I32_LE_U, I64_LE_U -> Cond.BE;
            case I32_GE_S, I64_GE_S -> Cond.GE;
            case I32_GE_U, I64_GE_U -> Cond.AE;
            default -> null;
        };
    }

    /**
     * Emits only the comparison of an integer compare / eqz that a br_if or if consumes directly:
     * the flags carry the result (nothing between here and the jcc may change them; spilling and
     * branch moves use only mov / lea / push). Returns the condition that means "true".
     */
    Cond compareForBranch(OpCode op) {
        Cond cond = branchCondition(op);
        ValType t = op.name().startsWith("I64") ? I64 : I32;
        Gpr x;
        if (op == OpCode.I32_EQZ || op == OpCode.I64_EQZ) {
            x = vs.popGpr(t);
            a.test(x.as(width(t)), x.as(width(t)));
        } else {
            x = compareOperands(t);
        }
        vs.free(x);
        return cond;
    }

    /** clz = (bits-1) - bsr(x), with bsr(0) taken as -1 (bsr leaves the destination undefined). */
    private void clz(ValType t) {
        Width w = width(t);
        Gpr x = vs.popGpr(t).as(w);
        Label nonZero = a.newLabel();
        a.bsr(x, x);
        a.jcc(Cond.NE, nonZero);
        a.mov(x, -1);
        a.bind(nonZero);
        a.neg(x);
        a.add(x, w.bits() - 1);
        vs.push(t, ValueStack.q(x));
    }

    /** ctz = bsf(x), or the bit width for 0. */
    private void ctz(ValType t) {
        Width w = width(t);
        Gpr x = vs.popGpr(t).as(w);
        Label nonZero = a.newLabel();
        a.bsf(x, x);
        a.jcc(Cond.NE, nonZero);
        a.mov(x.as(Width.DWORD), w.bits());
        a.bind(nonZero);
        vs.push(t, ValueStack.q(x));
    }
}
