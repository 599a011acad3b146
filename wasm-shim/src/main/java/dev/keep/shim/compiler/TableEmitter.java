package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;

/**
 * Reference values and table 0. A reference is a 64-bit value, 0 for null: a funcref is the address
 * of the function's descriptor (code address, type id), an externref an opaque host value. Table
 * entries are reference values; the table's storage is reserved up to its maximum, so table.grow
 * only fills new entries and raises the size.
 */
final class TableEmitter {
    private final Assembler a;
    private final ValueStack vs;
    private final ModuleInfo mod;

    TableEmitter(Assembler a, ValueStack vs, ModuleInfo mod) {
        this.a = a;
        this.vs = vs;
        this.mod = mod;
    }

    private static Mem ctx(int offset) {
        return Mem.base(Reg.R15).disp(offset);
    }

    /** Context slot (holding the record's address) of the table this instruction names. */
    private int slot;

    /** Loads the selected table's record address into a fresh register. */
    private Gpr record() {
        Gpr r = vs.allocGpr();
        a.mov(r, ctx(slot));
        return r;
    }

    private static Mem field(Gpr record, int field) {
        return Mem.base(record).disp(field);
    }

    boolean emit(Instruction ins) {
        switch (ins.opcode()) {
            case REF_NULL -> vs.pushConst(heapType(ins.operand(0)), 0);
            case REF_IS_NULL -> {
                ValType t = vs.peek(0).type;
                if (!t.isReference()) {
                    throw new CompileException("type mismatch: ref.is_null on " + t);
                }
                Gpr r = vs.popGpr(t);
                a.test(r, r);
                a.setcc(Cond.E, r.as(Width.BYTE));
                a.movzx(r.as(Width.DWORD), r.as(Width.BYTE));
                vs.push(ValType.I32, r);
            }
            case REF_FUNC -> {
                long f = ins.operand(0);
                if (f < 0 || f >= mod.functionTypes.size()) {
                    throw new CompileException("unknown function " + f);
                }
                Gpr r = vs.allocGpr();
                a.mov(r, ctx(ContextLayout.FUNC_DESCRIPTORS));
                a.lea(r, Mem.base(r).disp((int) f * ContextLayout.DESCRIPTOR_BYTES));
                vs.push(ValType.FuncRef, r);
            }
            case TABLE_GET -> get(table(ins));
            case TABLE_SET -> set(table(ins));
            case TABLE_SIZE -> {
                table(ins);
                Gpr r = record();
                a.mov(r.as(Width.DWORD), field(r, ContextLayout.TABLE_SIZE));
                vs.push(ValType.I32, r);
            }
            case TABLE_GROW -> grow(table(ins));
            case TABLE_FILL -> fill(table(ins));
            case TABLE_INIT -> init((int) ins.operand(0), mod.tableSlot(ins.operand(1)));
            case TABLE_COPY -> copy(mod.tableSlot(ins.operand(0)), mod.tableSlot(ins.operand(1)));
            case ELEM_DROP -> {
                a.mov(ValueStack.SCRATCH, ctx(ContextLayout.ELEM_SEGMENTS));
                a.mov(Width.QWORD, Mem.base(ValueStack.SCRATCH)
                        .disp((int) ins.operand(0) * ContextLayout.DATA_SEGMENT_BYTES + 8), 0);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    static ValType heapType(long operand) {
        int b = (int) (operand & 0x7F);
        if (b == 0x70) {
            return ValType.FuncRef;
        }
        if (b == 0x6F) {
            return ValType.ExternRef;
        }
        throw new UnsupportedFeatureException("heap type " + operand);
    }

    /** Selects the instruction's table (its record offset) and returns its element type. */
    private ValType table(Instruction ins) {
        slot = mod.tableSlot(ins.operand(0));
        return mod.tableTypes.get((int) ins.operand(0));
    }

    private void boundsCheck(Gpr rec, Gpr index) {
        a.cmp(index, field(rec, ContextLayout.TABLE_SIZE));
        a.jcc(Cond.AE, mod.trap(TrapKind.OUT_OF_BOUNDS_TABLE));
    }

    /** Traps unless start + count (zero-extended, cannot wrap) <= limit. */
    private void rangeCheck(Gpr start, Gpr count, Mem limit) {
        a.lea(ValueStack.SCRATCH, Mem.base(start, count, 1));
        a.cmp(ValueStack.SCRATCH, limit);
        a.jcc(Cond.A, mod.trap(TrapKind.OUT_OF_BOUNDS_TABLE));
    }

    /**
     * table.init: copies n references from element segment s into the table (rep movsb). Besides
     * RCX / RSI / RDI it needs one register, so it compiles whatever register locals hold.
     */
    private void init(int segment, int table) {
        Gpr n = vs.popInto(Reg.RCX, ValType.I32);
        Gpr src = vs.popInto(Reg.RSI, ValType.I32);
        Gpr dest = vs.popInto(Reg.RDI, ValType.I32);
        Gpr t = vs.allocGpr();
        int segRecord = segment * ContextLayout.DATA_SEGMENT_BYTES;
        a.mov(t, ctx(ContextLayout.ELEM_SEGMENTS));
        rangeCheck(src, n, Mem.base(t).disp(segRecord + 8));
        a.mov(t, Mem.base(t).disp(segRecord));
        a.lea(src, Mem.base(t, src, 8));
        a.mov(t, ctx(table));
        rangeCheck(dest, n, field(t, ContextLayout.TABLE_SIZE));
        a.mov(t, field(t, ContextLayout.TABLE_BASE));
        a.lea(dest, Mem.base(t, dest, 8));
        a.shl(n, 3);
        a.repMovsb();
        vs.free(t);
        vs.free(n);
        vs.free(src);
        vs.free(dest);
    }

    /**
     * table.copy: like memory.copy, on 8-byte entries, backwards when the ranges overlap upwards.
     * Besides RCX / RSI / RDI it needs one register (the rest may all hold register locals).
     */
    private void copy(int destTable, int srcTable) {
        Gpr n = vs.popInto(Reg.RCX, ValType.I32);
        Gpr src = vs.popInto(Reg.RSI, ValType.I32);
        Gpr dest = vs.popInto(Reg.RDI, ValType.I32);
        Gpr t = vs.allocGpr();
        a.mov(t, ctx(srcTable));
        rangeCheck(src, n, field(t, ContextLayout.TABLE_SIZE));
        a.mov(t, field(t, ContextLayout.TABLE_BASE));
        a.lea(src, Mem.base(t, src, 8));
        a.mov(t, ctx(destTable));
        rangeCheck(dest, n, field(t, ContextLayout.TABLE_SIZE));
        a.mov(t, field(t, ContextLayout.TABLE_BASE));
        a.lea(dest, Mem.base(t, dest, 8));
        a.shl(n, 3);
        BlockMove.emit(a, dest, src, n);
        vs.free(t);
        vs.free(n);
        vs.free(src);
        vs.free(dest);
    }

    private void get(ValType elem) {
        Gpr index = vs.popGpr(ValType.I32);
        Gpr rec = record();
        boundsCheck(rec, index);
        a.mov(ValueStack.SCRATCH, field(rec, ContextLayout.TABLE_BASE));
        a.mov(index, Mem.base(ValueStack.SCRATCH, index, 8));
        vs.free(rec);
        vs.push(elem, index);
    }

    private void set(ValType elem) {
        Gpr value = vs.popGpr(elem);
        Gpr index = vs.popGpr(ValType.I32);
        Gpr rec = record();
        boundsCheck(rec, index);
        a.mov(ValueStack.SCRATCH, field(rec, ContextLayout.TABLE_BASE));
        a.mov(Mem.base(ValueStack.SCRATCH, index, 8), value);
        vs.free(rec);
        vs.free(value);
        vs.free(index);
    }

    private void grow(ValType elem) {
        Gpr n = vs.popGpr(ValType.I32);
        Gpr init = vs.popGpr(elem);
        Gpr end = vs.allocGpr();
        Gpr base = record();
        Label fail = a.newLabel();
        Label loop = a.newLabel();
        Label filled = a.newLabel();
        Label done = a.newLabel();
        Gpr i = ValueStack.SCRATCH;
        a.mov(i, field(base, ContextLayout.TABLE_SIZE));
        a.lea(end, Mem.base(i, n, 1));
        a.cmp(end, field(base, ContextLayout.TABLE_MAX));
        a.jcc(Cond.A, fail);
        a.mov(field(base, ContextLayout.TABLE_SIZE), end);
        a.mov(base, field(base, ContextLayout.TABLE_BASE));
        a.bind(loop);
        a.cmp(i, end);
        a.jcc(Cond.AE, filled);
        a.mov(Mem.base(base, i, 8), init);
        a.inc(i);
        a.jmp(loop);
        a.bind(filled);
        a.sub(end, n);
        a.jmp(done);
        a.bind(fail);
        a.mov(end.as(Width.DWORD), -1);
        a.bind(done);
        vs.free(n);
        vs.free(init);
        vs.free(base);
        vs.push(ValType.I32, end);
    }

    private void fill(ValType elem) {
        Gpr n = vs.popGpr(ValType.I32);
        Gpr value = vs.popGpr(elem);
        Gpr i = vs.popGpr(ValType.I32);
        Gpr base = record();
        Label loop = a.newLabel();
        Label done = a.newLabel();
        Gpr end = ValueStack.SCRATCH;
        a.lea(end, Mem.base(i, n, 1));
        a.cmp(end, field(base, ContextLayout.TABLE_SIZE));
        a.jcc(Cond.A, mod.trap(TrapKind.OUT_OF_BOUNDS_TABLE));
        a.mov(base, field(base, ContextLayout.TABLE_BASE));
        a.bind(loop);
        a.cmp(i, end);
        a.jcc(Cond.AE, done);
        a.mov(Mem.base(base, i, 8), value);
        a.inc(i);
        a.jmp(loop);
        a.bind(done);
        vs.free(n);
        vs.free(value);
        vs.free(i);
        vs.free(base);
    }
}
