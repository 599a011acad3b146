package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;
import dev.keep.shim.asm.Xmm;
import java.util.ArrayList;
import java.util.List;

/**
 * The compile-time model of the Wasm operand stack and the register allocator behind it (Winch
 * style). Each entry is a constant, a general or xmm register, or a machine stack slot. Slots form a
 * prefix of the stack: entry k, once spilled, lives at [rbp - localsBytes - 8(k+1)], and RSP always
 * points at the lowest spilled entry, so spilling is a push and reloading the top is a pop. When the
 * pool runs dry, or at calls and control-flow joins, the whole stack is spilled.
 *
 * <p>Invariant for integers: an i32 in a register or slot is zero-extended to 64 bits.
 */
final class ValueStack {
    enum Kind { CONST, GPR, XMM, SLOT }

    static final class Entry {
        final ValType type;
        Kind kind;
        int reg;
        long bits;

        Entry(ValType type, Kind kind, int reg, long bits) {
            this.type = type;
            this.kind = kind;
            this.reg = reg;
            this.bits = bits;
        }

        boolean isConst() {
            return kind == Kind.CONST;
        }
    }

    /** Allocatable general registers; R11 is the scratch, R13/R14/R15/RBP/RSP are pinned. */
    static final Gpr[] GPR_POOL = {Reg.RAX, Reg.RCX, Reg.RDX, Reg.RBX, Reg.RSI, Reg.RDI, Reg.R8, Reg.R9,
        Reg.R10, Reg.R12};
    /** Allocatable xmm registers; XMM15 is the scratch. */
    static final Xmm[] XMM_POOL = {Reg.XMM0, Reg.XMM1, Reg.XMM2, Reg.XMM3, Reg.XMM4, Reg.XMM5, Reg.XMM6,
        Reg.XMM7, Reg.XMM8, Reg.XMM9, Reg.XMM10, Reg.XMM11, Reg.XMM12, Reg.XMM13, Reg.XMM14};
    static final Gpr SCRATCH = Reg.R11;
    static final Xmm XSCRATCH = Reg.XMM15;

    private final Assembler a;
    private final int localsBytes;
    /** This function's allocatable general registers: GPR_POOL less the ones holding locals. */
    private final Gpr[] pool;
    private final Xmm[] xmmPool;
    private final List<Entry> entries = new ArrayList<>();
    private final boolean[] gprUsed = new boolean[16];
    private final boolean[] xmmUsed = new boolean[16];
    private int spilled;

    ValueStack(Assembler a, int localsBytes, Gpr[] pool, Xmm[] xmmPool) {
        this.a = a;
        this.localsBytes = localsBytes;
        this.pool = pool.clone();
        this.xmmPool = xmmPool.clone();
    }

    static boolean isFloat(ValType t) {
        return t.equals(ValType.F32) || t.equals(ValType.F64);
    }

    static Gpr q(Gpr r) {
        return r.as(Width.QWORD);
    }

    int height() {
        return entries.size();
    }

    Entry peek(int depthFromTop) {
        if (depthFromTop >= entries.size()) {
            throw new CompileException("operand stack underflow");
        }
        return entries.get(entries.size() - 1 - depthFromTop);
    }

    ValType typeAt(int index) {
        return entries.get(index).type;
    }

    /** Stack slot of entry index k. */
    Mem slot(int k) {
        return Mem.base(Reg.RBP).disp(-(localsBytes + 8 * (k + 1)));
    }

    /** RSP offset from RBP when the first n entries are spilled. */
    int rspOffsetFor(int spilledCount) {
        return -(localsBytes + 8 * spilledCount);
    }

    int spilledCount() {
        return spilled;
    }

    // ---- registers ----

    Gpr allocGpr() {
        for (Gpr r : pool) {
            if (!gprUsed[r.index()]) {
                gprUsed[r.index()] = true;
                return r;
            }
        }
        spillAll();
        for (Gpr r : pool) {
            if (!gprUsed[r.index()]) {
                gprUsed[r.index()] = true;
                return r;
            }
        }
        throw new IllegalStateException("no general register left");
    }

    Xmm allocXmm() {
        for (Xmm r : xmmPool) {
            if (!xmmUsed[r.index()]) {
                xmmUsed[r.index()] = true;
                return r;
            }
        }
        spillAll();
        for (Xmm r : xmmPool) {
            if (!xmmUsed[r.index()]) {
                xmmUsed[r.index()] = true;
                return r;
            }
        }
        throw new IllegalStateException("no xmm register left");
    }

    void free(Gpr r) {
        gprUsed[r.index()] = false;
    }

    void free(Xmm r) {
        xmmUsed[r.index()] = false;
    }

    /** Makes a specific register available to the caller, moving a stack value out of it if needed. */
    void claim(Gpr r) {
        if (gprUsed[r.index()]) {
            Entry holder = holderOf(r.index());
            if (holder == null) {
                throw new IllegalStateException(r + " is held by a temporary");
            }
            Gpr other = allocGprExcept(r);
            if (other == null) {
                // No register to move the value to (the pool is smaller when locals hold
                // registers): spilling moves it, and everything else, to the machine stack.
                spillAll();
            } else {
                a.mov(other, q(r));
                holder.reg = other.index();
            }
        }
        gprUsed[r.index()] = true;
    }

    private Gpr allocGprExcept(Gpr avoid) {
        for (Gpr r : pool) {
            if (r.index() != avoid.index() && !gprUsed[r.index()]) {
                gprUsed[r.index()] = true;
                return r;
            }
        }
        return null;
    }

    private Entry holderOf(int gprIndex) {
        for (Entry e : entries) {
            if (e.kind == Kind.GPR && e.reg == gprIndex) {
                return e;
            }
        }
        return null;
    }

    // ---- pushes ----

    void push(ValType type, Gpr r) {
        entries.add(new Entry(type, Kind.GPR, r.index(), 0));
    }

    void push(ValType type, Xmm r) {
        entries.add(new Entry(type, Kind.XMM, r.index(), 0));
    }

    void pushConst(ValType type, long bits) {
        entries.add(new Entry(type, Kind.CONST, -1, bits));
    }

    /** Records that the machine stack already holds a value just above the spilled prefix. */
    void pushSlot(ValType type) {
        if (spilled != entries.size()) {
            throw new IllegalStateException("slot pushed above register entries");
        }
        entries.add(new Entry(type, Kind.SLOT, -1, 0));
        spilled++;
    }

    // ---- spilling ----

    /** Moves every register and constant entry to its stack slot (pushes in order). */
    void spillAll() {
        for (int k = spilled; k < entries.size(); k++) {
            Entry e = entries.get(k);
            switch (e.kind) {
                case GPR -> {
                    a.push(Gpr.of(e.reg, Width.QWORD));
                    gprUsed[e.reg] = false;
                }
                case XMM -> {
                    a.lea(Reg.RSP, Mem.base(Reg.RSP).disp(-8));
                    a.movsd(Mem.base(Reg.RSP), Xmm.of(e.reg));
                    xmmUsed[e.reg] = false;
                }
                case CONST -> {
                    long v = canonicalBits(e);
                    if (v == (int) v) {
                        a.push(v);
                    } else {
                        a.mov(SCRATCH, v);
                        a.push(SCRATCH);
                    }
                }
                case SLOT -> throw new IllegalStateException("slot above register entry");
            }
            e.kind = Kind.SLOT;
            e.reg = -1;
            spilled++;
        }
    }

    /** The 64-bit slot image of a constant: i32 and f32 zero-extended. */
    static long canonicalBits(Entry e) {
        if (e.type.equals(ValType.I32) || e.type.equals(ValType.F32)) {
            return e.bits & 0xFFFF_FFFFL;
        }
        return e.bits;
    }

    // ---- pops ----

    private Entry popEntry() {
        if (entries.isEmpty()) {
            throw new CompileException("operand stack underflow");
        }
        Entry e = entries.remove(entries.size() - 1);
        if (e.kind == Kind.SLOT) {
            spilled--;
        }
        return e;
    }

    private static void checkType(Entry e, ValType expected) {
        if (expected != null && !e.type.equals(expected)) {
            throw new CompileException("type mismatch: expected " + expected + " but stack has " + e.type);
        }
    }

    /** Pops the top value into a general register the caller now owns. */
    Gpr popGpr(ValType expected) {
        Entry top = peek(0);
        checkType(top, expected);
        if (top.kind == Kind.GPR) {
            popEntry();
            return Gpr.of(top.reg, Width.QWORD);
        }
        Gpr r = allocGpr();
        loadInto(popEntry(), r);
        return r;
    }

    /** Pops the top value into this register (claimed for the caller). */
    Gpr popInto(Gpr target, ValType expected) {
        Gpr t = q(target);
        Entry top = peek(0);
        checkType(top, expected);
        if (top.kind == Kind.GPR && top.reg == t.index()) {
            popEntry();
            return t;
        }
        claim(t);
        Entry e = popEntry();
        if (e.kind == Kind.GPR) {
            a.mov(t, Gpr.of(e.reg, Width.QWORD));
            gprUsed[e.reg] = false;
        } else {
            loadInto(e, t);
        }
        return t;
    }

    private void loadInto(Entry e, Gpr r) {
        switch (e.kind) {
            case CONST -> loadConst(r, canonicalBits(e));
            case SLOT -> a.pop(r);
            default -> throw new IllegalStateException("not a general value: " + e.kind);
        }
    }

    void loadConst(Gpr r, long v) {
        if (v == 0) {
            a.xor(r.as(Width.DWORD), r.as(Width.DWORD));
        } else if (v >= 0 && v <= 0xFFFF_FFFFL) {
            a.mov(r.as(Width.DWORD), (int) v);
        } else {
            a.mov(q(r), v);
        }
    }

    /** Pops the top value into an xmm register the caller now owns. */
    Xmm popXmm(ValType expected) {
        Entry top = peek(0);
        checkType(top, expected);
        if (top.kind == Kind.XMM) {
            popEntry();
            return Xmm.of(top.reg);
        }
        Xmm r = allocXmm();
        Entry e = popEntry();
        if (e.kind == Kind.CONST) {
            loadFloatConst(r, canonicalBits(e));
        } else if (e.kind == Kind.SLOT) {
            a.movsd(r, Mem.base(Reg.RSP));
            a.lea(Reg.RSP, Mem.base(Reg.RSP).disp(8));
        } else {
            throw new IllegalStateException("not a float value: " + e.kind);
        }
        return r;
    }

    void loadFloatConst(Xmm r, long bits) {
        if (bits == 0) {
            a.xorps(r, r);
        } else {
            a.mov(SCRATCH, bits);
            a.movq(r, SCRATCH);
        }
    }

    /** Pops and discards the top value. */
    void drop() {
        Entry e = popEntry();
        switch (e.kind) {
            case GPR -> gprUsed[e.reg] = false;
            case XMM -> xmmUsed[e.reg] = false;
            case SLOT -> a.lea(Reg.RSP, Mem.base(Reg.RSP).disp(8));
            case CONST -> {
            }
        }
    }

    /** Pops the top entry as an entry (a constant stays a constant; registers stay owned). */
    Entry popRaw(ValType expected) {
        Entry top = peek(0);
        checkType(top, expected);
        if (top.kind == Kind.SLOT) {
            if (isFloat(top.type)) {
                return new Entry(top.type, Kind.XMM, popXmm(expected).index(), 0);
            }
            return new Entry(top.type, Kind.GPR, popGpr(expected).index(), 0);
        }
        return popEntry();
    }

    // ---- moves for control flow ----

    /**
     * Emits code that copies the top {@code count} values into slots {@code base .. base+count-1}
     * and sets RSP just below them, without changing this model (the code path branches away).
     */
    void emitMoveTopTo(int base, int count) {
        int h = entries.size();
        int targetRsp = rspOffsetFor(base + count);
        int currentRsp = rspOffsetFor(spilled);
        if (targetRsp < currentRsp) {
            a.lea(Reg.RSP, Mem.base(Reg.RBP).disp(targetRsp));
        }
        for (int j = 0; j < count; j++) {
            int src = h - count + j;
            int dst = base + j;
            Entry e = entries.get(src);
            Mem to = slot(dst);
            switch (e.kind) {
                case GPR -> a.mov(to, Gpr.of(e.reg, Width.QWORD));
                case XMM -> a.movsd(to, Xmm.of(e.reg));
                case CONST -> {
                    long v = canonicalBits(e);
                    if (v == (int) v) {
                        a.mov(Width.QWORD, to, v);
                    } else {
                        a.mov(SCRATCH, v);
                        a.mov(to, SCRATCH);
                    }
                }
                case SLOT -> {
                    if (src != dst) {
                        a.mov(SCRATCH, slot(src));
                        a.mov(to, SCRATCH);
                    }
                }
            }
        }
        if (targetRsp > currentRsp) {
            a.lea(Reg.RSP, Mem.base(Reg.RBP).disp(targetRsp));
        }
    }

    /** True when {@link #emitMoveTopTo} would emit nothing: the values and RSP are already in place. */
    boolean moveIsNoop(int base, int count) {
        int h = entries.size();
        if (rspOffsetFor(base + count) != rspOffsetFor(spilled)) {
            return false;
        }
        for (int j = 0; j < count; j++) {
            Entry e = entries.get(h - count + j);
            if (e.kind != Kind.SLOT || h - count + j != base + j) {
                return false;
            }
        }
        return true;
    }

    /** Forgets everything above height (unreachable code or a block end), freeing registers. */
    void truncate(int height) {
        while (entries.size() > height) {
            Entry e = entries.remove(entries.size() - 1);
            switch (e.kind) {
                case GPR -> gprUsed[e.reg] = false;
                case XMM -> xmmUsed[e.reg] = false;
                case SLOT -> spilled--;
                case CONST -> {
                }
            }
        }
    }

    /** True when every entry lives in its slot. */
    boolean allSpilled() {
        return spilled == entries.size();
    }
}
