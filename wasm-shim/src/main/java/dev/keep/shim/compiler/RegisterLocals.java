package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;
import dev.keep.shim.asm.Xmm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Which locals of one function live in a register for the whole body, and whether that
 * register holds the local's value right now.
 *
 * <p>The registers are caller-saved in Keep's convention: every call may clobber every register,
 * so before a call each register local whose register is newer than its frame slot is stored to
 * the slot, and after the call the register is "stale" (the slot has the value). A stale local is
 * reloaded when it is first read, or at the latest at the next control-flow join: every branch,
 * block entry and block end reloads all stale locals, so at every label all of them are back in
 * their registers and the code reaching a label always agrees on where the locals are. A local
 * written before it is read after a call is never reloaded. Traps need nothing: they leave the
 * function, and the entry trampoline restores the host's registers.
 *
 * <p>Candidates are the i32 / i64 locals (parameters included) for general registers and the
 * f32 / f64 locals for xmm registers, each class ranked by how often the body
 * reads or writes them, an access inside a loop counting 8 times per loop level, ties broken by
 * index, so the choice depends on the module bytes alone (the output stays deterministic).
 */
final class RegisterLocals {
    /** General registers no emitter claims by name: always free for locals. */
    static final Gpr[] CANDIDATES = {Reg.RBX, Reg.R12, Reg.R10, Reg.R9, Reg.R8};
    /**
     * At most this many general registers go to locals, so the operand stack keeps at least four
     * (memory.init holds four at once). RAX always stays in the pool (call_indirect and the
     * division use it).
     */
    static final int MAX_GPR_LOCALS = 6;
    /** Xmm registers f32 / f64 locals may take; XMM0-XMM6 stay in the operand-stack pool. */
    static final Xmm[] XMM_CANDIDATES = {Reg.XMM14, Reg.XMM13, Reg.XMM12, Reg.XMM11, Reg.XMM10, Reg.XMM9,
        Reg.XMM8, Reg.XMM7};

    private final Assembler a;
    private final List<ValType> types;
    private final IntFunction<Mem> slotOf;
    /** Register of local i, or null when it lives in its frame slot (or in an xmm register). */
    private final Gpr[] regOf;
    /** Xmm register of local i, or null. */
    private final Xmm[] xmmOf;
    /** True when local i's register does not hold its value (a call clobbered it). */
    private final boolean[] stale;
    /** True when local i's slot already holds its value (nothing changed since the last save). */
    private final boolean[] saved;
    private final Gpr[] pool;
    private final Xmm[] xmmPool;
    /** Bit of each register local in {@link #liveness}'s masks, -1 for slot locals. */
    private final int[] bitOf;
    /** Null when the body makes no call: then no register is ever stale and nothing is saved. */
    private final LocalLiveness liveness;

    RegisterLocals(Assembler a, List<ValType> types, List<? extends Instruction> code, IntFunction<Mem> slotOf) {
        this.a = a;
        this.types = types;
        this.slotOf = slotOf;
        this.regOf = new Gpr[types.size()];
        this.xmmOf = new Xmm[types.size()];
        this.stale = new boolean[types.size()];
        this.saved = new boolean[types.size()];
        long[] weight = accessWeights(types.size(), code);
        List<Integer> ints = ranked(types, weight, false);
        List<Gpr> candidates = gprCandidates(code);
        int n = Math.min(ints.size(), candidates.size());
        for (int k = 0; k < n; k++) {
            regOf[ints.get(k)] = candidates.get(k);
        }
        List<Integer> floats = ranked(types, weight, true);
        int nx = Math.min(floats.size(), XMM_CANDIDATES.length);
        for (int k = 0; k < nx; k++) {
            xmmOf[floats.get(k)] = XMM_CANDIDATES[k];
        }
        List<Gpr> rest = new ArrayList<>();
        for (Gpr r : ValueStack.GPR_POOL) {
            if (candidates.subList(0, n).stream().noneMatch(c -> c.index() == r.index())) {
                rest.add(r);
            }
        }
        this.pool = rest.toArray(new Gpr[0]);
        List<Xmm> xrest = new ArrayList<>();
        for (Xmm r : ValueStack.XMM_POOL) {
            if (Arrays.asList(XMM_CANDIDATES).subList(0, nx).stream().noneMatch(c -> c.index() == r.index())) {
                xrest.add(r);
            }
        }
        this.xmmPool = xrest.toArray(new Xmm[0]);
        this.bitOf = new int[types.size()];
        int bits = 0;
        for (int i = 0; i < types.size(); i++) {
            bitOf[i] = inRegister(i) ? bits++ : -1;
        }
        boolean calls = code.stream().anyMatch(ins -> ins.opcode() == OpCode.CALL || ins.opcode() == OpCode.CALL_INDIRECT);
        this.liveness = bits > 0 && calls ? new LocalLiveness(code, bitOf) : null;
    }

    /** Register locals that may be read later, just before instruction i (all when unknown). */
    long liveBefore(int i) {
        return liveness == null ? LocalLiveness.ALL : liveness.liveBefore(i);
    }

    private boolean live(long mask, int i) {
        return (mask & (1L << bitOf[i])) != 0;
    }

    /**
     * The always-free registers, then those emitters claim by name (RSI, RDI for bulk memory and
     * table operations, RDX for division, RCX for shifts, rotates and bulk operations) when this
     * body has no such instruction, so a claim never lands on a local's register.
     */
    private static List<Gpr> gprCandidates(List<? extends Instruction> code) {
        boolean bulk = false;
        boolean divide = false;
        boolean shift = false;
        for (Instruction ins : code) {
            switch (ins.opcode()) {
                case MEMORY_FILL, MEMORY_COPY, MEMORY_INIT, TABLE_FILL, TABLE_COPY, TABLE_INIT -> bulk = true;
                case I32_DIV_S, I32_DIV_U, I32_REM_S, I32_REM_U, I64_DIV_S, I64_DIV_U, I64_REM_S, I64_REM_U ->
                        divide = true;
                case I32_SHL, I32_SHR_S, I32_SHR_U, I32_ROTL, I32_ROTR, I64_SHL, I64_SHR_S, I64_SHR_U, I64_ROTL,
                        I64_ROTR -> shift = true;
                default -> {
                }
            }
        }
        List<Gpr> list = new ArrayList<>(Arrays.asList(CANDIDATES));
        if (!bulk) {
            list.add(Reg.RSI);
            list.add(Reg.RDI);
        }
        if (!divide) {
            list.add(Reg.RDX);
        }
        if (!bulk && !shift) {
            list.add(Reg.RCX);
        }
        return list.subList(0, Math.min(list.size(), MAX_GPR_LOCALS));
    }

    /** Used locals of one register class, most accessed first, ties by index. */
    private static List<Integer> ranked(List<ValType> types, long[] weight, boolean floats) {
        List<Integer> ranked = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            ValType t = types.get(i);
            boolean eligible = floats ? ValueStack.isFloat(t) : t.equals(ValType.I32) || t.equals(ValType.I64);
            if (eligible && weight[i] > 0) {
                ranked.add(i);
            }
        }
        ranked.sort((x, y) -> weight[x] != weight[y] ? Long.compare(weight[y], weight[x]) : Integer.compare(x, y));
        return ranked;
    }

    /** Static accesses per local, weighted by loop nesting (saturating, so huge bodies cannot overflow). */
    private static long[] accessWeights(int localCount, List<? extends Instruction> code) {
        long[] weight = new long[localCount];
        // Nesting of block-like instructions, and how many of them are loops.
        List<Boolean> open = new ArrayList<>();
        int loops = 0;
        for (Instruction ins : code) {
            OpCode op = ins.opcode();
            switch (op) {
                case BLOCK, IF -> open.add(false);
                case LOOP -> {
                    open.add(true);
                    loops++;
                }
                case END -> {
                    if (!open.isEmpty() && open.remove(open.size() - 1)) {
                        loops--;
                    }
                }
                case LOCAL_GET, LOCAL_SET, LOCAL_TEE -> {
                    long i = ins.operand(0);
                    if (i >= 0 && i < localCount) {
                        weight[(int) i] = Math.min(weight[(int) i] + (1L << (3 * Math.min(loops, 6))), Long.MAX_VALUE / 2);
                    }
                }
                default -> {
                }
            }
        }
        return weight;
    }

    /** The operand stack's registers: the general pool less the registers given to locals. */
    Gpr[] operandPool() {
        return pool.clone();
    }

    /** The operand stack's xmm registers: the xmm pool less the registers given to locals. */
    Xmm[] operandXmmPool() {
        return xmmPool.clone();
    }

    /** General register of local i, or null when it lives in its slot or an xmm register. */
    Gpr register(int i) {
        return regOf[i];
    }

    /** Xmm register of local i, or null. */
    Xmm xmmRegister(int i) {
        return xmmOf[i];
    }

    /** True when local i lives in a register of either class. */
    boolean inRegister(int i) {
        return regOf[i] != null || xmmOf[i] != null;
    }

    /**
     * Prologue: parameters into their registers, declared locals zeroed, except those dead at
     * entry (written before they are read on every path).
     */
    void enter(int paramCount) {
        long liveAtEntry = liveBefore(0);
        for (int i = 0; i < regOf.length; i++) {
            if (!inRegister(i) || !live(liveAtEntry, i)) {
                continue;
            }
            if (i < paramCount) {
                load(i);
            } else if (regOf[i] != null) {
                a.xor(regOf[i].as(Width.DWORD), regOf[i].as(Width.DWORD));
            } else {
                a.xorps(xmmOf[i], xmmOf[i]);
            }
        }
    }

    /** Makes local i's register hold its value (reloads it after a call). */
    void ensureLoaded(int i) {
        if (inRegister(i) && stale[i]) {
            load(i);
            stale[i] = false;
        }
    }

    /** Local i's register was just written: its slot is out of date. */
    void written(int i) {
        stale[i] = false;
        saved[i] = false;
    }

    /**
     * Before a call: every register newer than its slot is stored, unless the local is dead after
     * the call ({@code liveAfter}); after the call, all are stale.
     */
    void saveAroundCall(long liveAfter) {
        for (int i = 0; i < regOf.length; i++) {
            if (inRegister(i) && !stale[i] && !saved[i] && live(liveAfter, i)) {
                if (regOf[i] != null) {
                    a.mov(slotOf.apply(i), regOf[i]);
                } else if (xmmOf[i] != null) {
                    a.movsd(slotOf.apply(i), xmmOf[i]);
                }
            }
        }
        for (int i = 0; i < regOf.length; i++) {
            if (inRegister(i)) {
                stale[i] = true;
                saved[i] = true;
            }
        }
    }

    /**
     * Before a branch, a block entry or a block end: every local that is live there back in its
     * register. A dead one may stay stale: it is written before it is read on every path on.
     */
    void reloadAll(long live) {
        for (int i = 0; i < regOf.length; i++) {
            if (inRegister(i) && live(live, i)) {
                ensureLoaded(i);
            }
        }
    }

    /**
     * At a label: every path into it reloaded all locals first; whether their slots are current
     * differs between the paths, so assume they are not.
     */
    void atLabel() {
        Arrays.fill(stale, false);
        Arrays.fill(saved, false);
    }

    private void load(int i) {
        Gpr r = regOf[i];
        ValType t = types.get(i);
        if (xmmOf[i] != null) {
            if (t.equals(ValType.F32)) {
                a.movss(xmmOf[i], slotOf.apply(i));
            } else {
                a.movsd(xmmOf[i], slotOf.apply(i));
            }
        } else if (t.equals(ValType.I32)) {
            a.mov(r.as(Width.DWORD), slotOf.apply(i));
        } else {
            a.mov(r, slotOf.apply(i));
        }
    }
}
