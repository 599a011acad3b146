package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;
import dev.keep.shim.asm.Xmm;

/**
 * Loads, stores, memory.size and memory.grow. Linear memory byte 0 is at R14 and its size in bytes
 * is in R13. With explicit bounds checks every access computes end = zext(address) + offset + width
 * in R11 (64-bit, so it cannot wrap), traps when end > R13, and then addresses [R14 + R11 - width].
 * In guard-region mode an access is just [R14 + zext(address) + offset]: it stays within the 8 GiB
 * the loader reserved, and the pages past the size fault (see {@link CompilerOptions}). The bulk
 * operations keep their one explicit range check in both modes (a trapping fill or copy must not
 * write anything), and memory.grow in guard-region mode is a call (see FunctionCompiler).
 */
final class MemoryEmitter {
    private static final Gpr MEM_BASE = Reg.R14;
    private static final Gpr MEM_BYTES = Reg.R13;

    private final Assembler a;
    private final ValueStack vs;
    private final ModuleInfo mod;

    MemoryEmitter(Assembler a, ValueStack vs, ModuleInfo mod) {
        this.a = a;
        this.vs = vs;
        this.mod = mod;
    }

    boolean emit(Instruction ins) {
        OpCode op = ins.opcode();
        switch (op) {
            case I32_LOAD -> load(ins, ValType.I32, 4, (r, m) -> a.mov(r.as(Width.DWORD), m));
            case I64_LOAD -> load(ins, ValType.I64, 8, (r, m) -> a.mov(r, m));
            case I32_LOAD8_S -> load(ins, ValType.I32, 1, (r, m) -> a.movsx(r.as(Width.DWORD), Width.BYTE, m));
            case I32_LOAD8_U -> load(ins, ValType.I32, 1, (r, m) -> a.movzx(r.as(Width.DWORD), Width.BYTE, m));
            case I32_LOAD16_S -> load(ins, ValType.I32, 2, (r, m) -> a.movsx(r.as(Width.DWORD), Width.WORD, m));
            case I32_LOAD16_U -> load(ins, ValType.I32, 2, (r, m) -> a.movzx(r.as(Width.DWORD), Width.WORD, m));
            case I64_LOAD8_S -> load(ins, ValType.I64, 1, (r, m) -> a.movsx(r, Width.BYTE, m));
            case I64_LOAD8_U -> load(ins, ValType.I64, 1, (r, m) -> a.movzx(r.as(Width.DWORD), Width.BYTE, m));
            case I64_LOAD16_S -> load(ins, ValType.I64, 2, (r, m) -> a.movsx(r, Width.WORD, m));
            case I64_LOAD16_U -> load(ins, ValType.I64, 2, (r, m) -> a.movzx(r.as(Width.DWORD), Width.WORD, m));
            case I64_LOAD32_S -> load(ins, ValType.I64, 4, (r, m) -> a.movsxd(r, m));
            case I64_LOAD32_U -> load(ins, ValType.I64, 4, (r, m) -> a.mov(r.as(Width.DWORD), m));
            case F32_LOAD -> loadFloat(ins, ValType.F32, 4);
            case F64_LOAD -> loadFloat(ins, ValType.F64, 8);
            case I32_STORE -> store(ins, ValType.I32, Width.DWORD);
            case I64_STORE -> store(ins, ValType.I64, Width.QWORD);
            case I32_STORE8 -> store(ins, ValType.I32, Width.BYTE);
            case I32_STORE16 -> store(ins, ValType.I32, Width.WORD);
            case I64_STORE8 -> store(ins, ValType.I64, Width.BYTE);
            case I64_STORE16 -> store(ins, ValType.I64, Width.WORD);
            case I64_STORE32 -> store(ins, ValType.I64, Width.DWORD);
            case F32_STORE -> storeFloat(ins, ValType.F32, 4);
            case F64_STORE -> storeFloat(ins, ValType.F64, 8);
            case MEMORY_SIZE -> size();
            case MEMORY_GROW -> grow();
            case MEMORY_FILL -> fill();
            case MEMORY_COPY -> copy();
            case MEMORY_INIT -> init((int) ins.operand(0));
            case DATA_DROP -> {
                a.mov(ValueStack.SCRATCH, Mem.base(Reg.R15).disp(ContextLayout.DATA_SEGMENTS));
                a.mov(Width.QWORD, Mem.base(ValueStack.SCRATCH).disp(segmentLength((int) ins.operand(0))), 0);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private interface LoadOp {
        void emit(Gpr dst, Mem src);
    }

    private void requireMemory() {
        if (!mod.hasMemory) {
            throw new CompileException("unknown memory 0");
        }
    }

    /** Emits the bounds check for an access of width bytes at addr + offset; returns its operand. */
    private Mem checked(Gpr addr, long offset, int width) {
        requireMemory();
        if (mod.options.usesGuardRegion()) {
            return guarded(addr, offset);
        }
        long end = offset + width;
        if (end <= Integer.MAX_VALUE) {
            a.lea(ValueStack.SCRATCH, Mem.base(addr).disp((int) end));
        } else {
            a.mov(ValueStack.SCRATCH, end);
            a.add(ValueStack.SCRATCH, addr);
        }
        a.cmp(ValueStack.SCRATCH, MEM_BYTES);
        a.jcc(Cond.A, mod.trap(TrapKind.OUT_OF_BOUNDS_MEMORY));
        return Mem.base(MEM_BASE, ValueStack.SCRATCH, 1).disp(-width);
    }

    /** addr holds the zero-extended i32 address (every i32 in a register does). */
    private Mem guarded(Gpr addr, long offset) {
        if (offset <= Integer.MAX_VALUE) {
            return Mem.base(MEM_BASE, addr, 1).disp((int) offset);
        }
        a.mov(ValueStack.SCRATCH, offset);
        a.add(ValueStack.SCRATCH, addr);
        return Mem.base(MEM_BASE, ValueStack.SCRATCH, 1);
    }

    private static long offset(Instruction ins) {
        return ins.operand(1) & 0xFFFF_FFFFL;
    }

    private void load(Instruction ins, ValType result, int width, LoadOp op) {
        Gpr addr = vs.popGpr(ValType.I32);
        Mem m = checked(addr, offset(ins), width);
        op.emit(addr, m);
        vs.push(result, addr);
    }

    private void loadFloat(Instruction ins, ValType result, int width) {
        Gpr addr = vs.popGpr(ValType.I32);
        Mem m = checked(addr, offset(ins), width);
        vs.free(addr);
        Xmm x = vs.allocXmm();
        if (width == 4) {
            a.movss(x, m);
        } else {
            a.movsd(x, m);
        }
        vs.push(result, x);
    }

    private void store(Instruction ins, ValType type, Width w) {
        Gpr value = vs.popGpr(type);
        Gpr addr = vs.popGpr(ValType.I32);
        Mem m = checked(addr, offset(ins), w.bytes());
        a.mov(m, value.as(w));
        vs.free(value);
        vs.free(addr);
    }

    private void storeFloat(Instruction ins, ValType type, int width) {
        Xmm value = vs.popXmm(type);
        Gpr addr = vs.popGpr(ValType.I32);
        Mem m = checked(addr, offset(ins), width);
        if (width == 4) {
            a.movss(m, value);
        } else {
            a.movsd(m, value);
        }
        vs.free(value);
        vs.free(addr);
    }

    private static int segmentLength(int segment) {
        return segment * ContextLayout.DATA_SEGMENT_BYTES + 8;
    }

    /** Traps unless start + count (both zero-extended, so the sum cannot wrap) is within limit. */
    private void rangeCheck(Gpr start, Gpr count, dev.keep.shim.asm.GprOrMem limit, TrapKind trap) {
        a.lea(ValueStack.SCRATCH, Mem.base(start, count, 1));
        if (limit instanceof Gpr g) {
            a.cmp(ValueStack.SCRATCH, g);
        } else {
            a.cmp(ValueStack.SCRATCH, (Mem) limit);
        }
        a.jcc(Cond.A, mod.trap(trap));
    }

    /** memory.fill: rep stosb after one range check (rdi = dest, al = value, rcx = count). */
    private void fill() {
        requireMemory();
        Gpr n = vs.popInto(Reg.RCX, ValType.I32);
        Gpr value = vs.popInto(Reg.RAX, ValType.I32);
        Gpr dest = vs.popInto(Reg.RDI, ValType.I32);
        rangeCheck(dest, n, MEM_BYTES, TrapKind.OUT_OF_BOUNDS_MEMORY);
        a.add(dest, MEM_BASE);
        a.repStosb();
        vs.free(n);
        vs.free(value);
        vs.free(dest);
    }

    /** memory.copy: rep movsb, backwards (std ... cld) when the destination is above the source. */
    private void copy() {
        requireMemory();
        Gpr n = vs.popInto(Reg.RCX, ValType.I32);
        Gpr src = vs.popInto(Reg.RSI, ValType.I32);
        Gpr dest = vs.popInto(Reg.RDI, ValType.I32);
        rangeCheck(src, n, MEM_BYTES, TrapKind.OUT_OF_BOUNDS_MEMORY);
        rangeCheck(dest, n, MEM_BYTES, TrapKind.OUT_OF_BOUNDS_MEMORY);
        a.add(src, MEM_BASE);
        a.add(dest, MEM_BASE);
        BlockMove.emit(a, dest, src, n);
        vs.free(n);
        vs.free(src);
        vs.free(dest);
    }

    /** memory.init: checks the segment range (its length is 0 once dropped) and the memory range. */
    private void init(int segment) {
        requireMemory();
        Gpr n = vs.popInto(Reg.RCX, ValType.I32);
        Gpr src = vs.popInto(Reg.RSI, ValType.I32);
        Gpr dest = vs.popInto(Reg.RDI, ValType.I32);
        Gpr segments = vs.allocGpr();
        a.mov(segments, Mem.base(Reg.R15).disp(ContextLayout.DATA_SEGMENTS));
        rangeCheck(src, n, Mem.base(segments).disp(segmentLength(segment)), TrapKind.OUT_OF_BOUNDS_MEMORY);
        rangeCheck(dest, n, MEM_BYTES, TrapKind.OUT_OF_BOUNDS_MEMORY);
        a.add(src, Mem.base(segments).disp(segment * ContextLayout.DATA_SEGMENT_BYTES));
        a.add(dest, MEM_BASE);
        a.repMovsb();
        vs.free(segments);
        vs.free(n);
        vs.free(src);
        vs.free(dest);
    }

    private void size() {
        requireMemory();
        Gpr r = vs.allocGpr();
        a.mov(r, MEM_BYTES);
        a.shr(r, 16);
        vs.push(ValType.I32, r);
    }

    /**
     * Grows within the reserved region: the pages between the old and new size are already mapped
     * and zero (memory never shrinks), so growing only raises the size in R13 and the context.
     * Not used in guard-region mode, where the new pages must first be made accessible.
     */
    private void grow() {
        requireMemory();
        if (mod.options.usesGuardRegion()) {
            throw new IllegalStateException("guard-region memory.grow is a call, emitted by FunctionCompiler");
        }
        Gpr delta = vs.popGpr(ValType.I32);
        Gpr pages = vs.allocGpr();
        Gpr record = vs.allocGpr();
        a.mov(record, Mem.base(Reg.R15).disp(ContextLayout.MEMORY));
        Label fail = a.newLabel();
        Label done = a.newLabel();
        a.mov(ValueStack.SCRATCH, MEM_BYTES);
        a.shr(ValueStack.SCRATCH, 16);
        a.lea(pages, Mem.base(ValueStack.SCRATCH, delta, 1));
        a.cmp(pages, Mem.base(record).disp(ContextLayout.MEMORY_MAX_PAGES));
        a.jcc(Cond.A, fail);
        a.shl(pages, 16);
        a.mov(MEM_BYTES, pages);
        a.mov(Mem.base(record).disp(ContextLayout.MEMORY_BYTES), MEM_BYTES);
        a.mov(delta.as(Width.DWORD), ValueStack.SCRATCH.as(Width.DWORD));
        a.jmp(done);
        a.bind(fail);
        a.mov(delta.as(Width.DWORD), -1);
        a.bind(done);
        vs.free(pages);
        vs.free(record);
        vs.push(ValType.I32, delta);
    }
}
