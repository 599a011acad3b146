package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.FunctionType;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles one function body in a single pass. Frame layout (see README): argument / result slot j
 * at [rbp + 16 + 8(S-1-j)] with S = max(params, results), declared local i at [rbp - 8(i+1)], then
 * the spilled operand stack.
 */
final class FunctionCompiler {
    private final ModuleInfo mod;
    private final Assembler a;
    private final FunctionType type;
    private final List<ValType> locals = new ArrayList<>();
    private final int paramCount;
    private final int slotCount;
    private final int declaredLocals;
    private final ValueStack vs;
    private final NumericEmitter numeric;
    private final MemoryEmitter memory;
    private final TableEmitter tables;
    private final Deque<ControlFrame> frames = new ArrayDeque<>();
    private final FunctionBody body;
    private final int functionIndex;
    private final RegisterLocals regLocals;
    /** Index of the instruction being compiled (liveness is per instruction). */
    private int at;

    FunctionCompiler(ModuleInfo mod, Assembler a, int functionIndex) {
        this.mod = mod;
        this.a = a;
        this.functionIndex = functionIndex;
        this.type = mod.functionTypes.get(functionIndex);
        this.body = mod.module.codeSection().getFunctionBody(functionIndex - mod.importedFunctions);
        this.locals.addAll(type.params());
        this.locals.addAll(body.localTypes());
        this.paramCount = type.params().size();
        this.slotCount = Math.max(paramCount, type.returns().size());
        this.declaredLocals = body.localTypes().size();
        for (ValType t : locals) {
            requireSupported(t);
        }
        for (ValType t : type.returns()) {
            requireSupported(t);
        }
        this.regLocals = new RegisterLocals(a, locals, body.instructions(), this::localSlot);
        // One hidden slot below the locals keeps R15 across a call_indirect into another instance.
        this.vs = new ValueStack(a, 8 * (declaredLocals + 1), regLocals.operandPool(), regLocals.operandXmmPool());
        this.numeric = new NumericEmitter(a, vs, mod);
        this.memory = new MemoryEmitter(a, vs, mod);
        this.tables = new TableEmitter(a, vs, mod);
    }

    static void requireSupported(ValType t) {
        if (!(t.isNumeric() && !t.equals(ValType.V128)) && !t.equals(ValType.FuncRef) && !t.equals(ValType.ExternRef)) {
            throw new UnsupportedFeatureException("values of type " + t + " are not supported yet");
        }
    }

    /** Where argument / result j lives. */
    private Mem argSlot(int j) {
        return Mem.base(Reg.RBP).disp(16 + 8 * (slotCount - 1 - j));
    }

    private Mem localSlot(int i) {
        if (i < paramCount) {
            return argSlot(i);
        }
        return Mem.base(Reg.RBP).disp(-8 * (i - paramCount + 1));
    }

    void compile() {
        a.bind(mod.functionLabels[functionIndex]);
        prologue();
        frames.push(new ControlFrame(ControlFrame.Kind.FUNCTION, BlockType.of(type), a.newLabel(), null, 0));
        List<? extends Instruction> code = body.instructions();
        int skipDepth = 0;
        for (int index = 0; index < code.size(); index++) {
            Instruction ins = code.get(index);
            ControlFrame top = frames.peek();
            if (top == null) {
                throw new CompileException("instructions after the function's end");
            }
            if (top.unreachable) {
                OpCode op = ins.opcode();
                if (op == OpCode.BLOCK || op == OpCode.LOOP || op == OpCode.IF) {
                    skipDepth++;
                    continue;
                }
                if (op == OpCode.END && skipDepth > 0) {
                    skipDepth--;
                    continue;
                }
                if (!(skipDepth == 0 && (op == OpCode.END || op == OpCode.ELSE))) {
                    continue;
                }
            }
            at = index;
            Instruction next = index + 1 < code.size() ? code.get(index + 1) : null;
            if (next != null && NumericEmitter.branchCondition(ins.opcode()) != null
                    && (next.opcode() == OpCode.BR_IF || next.opcode() == OpCode.IF)) {
                fusedCompareAndBranch(ins, next);
                index++;
                continue;
            }
            emit(ins);
        }
        if (!frames.isEmpty()) {
            throw new CompileException("function body not terminated by end");
        }
    }

    /** An integer compare directly consumed by br_if / if: cmp + jcc, no 0/1 value in between. */
    private void fusedCompareAndBranch(Instruction compare, Instruction branch) {
        regLocals.reloadAll(regLocals.liveBefore(at));
        Cond cond = numeric.compareForBranch(compare.opcode());
        if (branch.opcode() == OpCode.IF) {
            BlockType bt = blockType(branch);
            Label elseLabel = a.newLabel();
            enterBlock(ControlFrame.Kind.IF, bt, elseLabel);
            a.jcc(cond.negate(), elseLabel);
        } else {
            emitConditionalBranch(cond, (int) branch.operand(0));
        }
    }

    private void prologue() {
        a.push(Reg.RBP);
        a.mov(Reg.RBP, Reg.RSP);
        a.lea(Reg.RSP, Mem.base(Reg.RSP).disp(-8 * (declaredLocals + 1)));
        a.mov(ValueStack.SCRATCH, Mem.base(Reg.R15).disp(ContextLayout.RUNTIME));
        a.cmp(Reg.RSP, Mem.base(ValueStack.SCRATCH).disp(ContextLayout.RT_STACK_LIMIT));
        a.jcc(Cond.B, mod.trap(TrapKind.CALL_STACK_EXHAUSTED));
        int slotLocals = declaredLocals;
        for (int i = paramCount; i < locals.size(); i++) {
            if (regLocals.inRegister(i)) {
                slotLocals--;
            }
        }
        if (slotLocals > 0 && slotLocals <= 16) {
            // A register local's slot needs no zero: it is written (saved) before it is ever read.
            a.xor(Reg.EAX, Reg.EAX);
            for (int i = paramCount; i < locals.size(); i++) {
                if (!regLocals.inRegister(i)) {
                    a.mov(localSlot(i), Reg.RAX);
                }
            }
        } else if (slotLocals > 16) {
            // rsp == rbp - 8 * (declaredLocals + 1) here: clear [rsp + 8, rbp) from the top down.
            Label loop = a.newLabel();
            a.xor(Reg.EAX, Reg.EAX);
            a.mov(Reg.R11D, declaredLocals);
            a.bind(loop);
            a.mov(Mem.base(Reg.RSP, Reg.R11, 8), Reg.RAX);
            a.dec(Reg.R11);
            a.jcc(Cond.NE, loop);
        }
        regLocals.enter(paramCount);
    }

    private void epilogue() {
        a.mov(Reg.RSP, Reg.RBP);
        a.pop(Reg.RBP);
        a.ret();
    }

    private BlockType blockType(Instruction ins) {
        return mod.blockType(mod.parsed.blockTypeAt(ins.address()));
    }

    private ControlFrame frameAt(int depth) {
        if (depth < 0 || depth >= frames.size()) {
            throw new CompileException("branch depth " + depth + " out of range");
        }
        int i = 0;
        for (ControlFrame f : frames) {
            if (i++ == depth) {
                return f;
            }
        }
        throw new IllegalStateException();
    }

    private void markUnreachable() {
        ControlFrame f = frames.peek();
        f.unreachable = true;
        vs.truncate(f.base);
    }

    private void checkTopTypes(List<ValType> types) {
        if (vs.height() < types.size()) {
            throw new CompileException("type mismatch: expected " + types.size() + " values on the stack");
        }
        for (int j = 0; j < types.size(); j++) {
            ValType have = vs.peek(types.size() - 1 - j).type;
            if (!have.equals(types.get(j))) {
                throw new CompileException("type mismatch: expected " + types.get(j) + " but stack has " + have);
            }
        }
    }

    /** Copies the top results into the caller's result slots and returns (model unchanged). */
    private void emitReturn() {
        List<ValType> results = type.returns();
        checkTopTypes(results);
        int n = results.size();
        for (int k = 0; k < n; k++) {
            ValueStack.Entry e = vs.peek(n - 1 - k);
            Mem to = argSlot(k);
            storeEntry(e, vs.height() - n + k, to);
        }
        epilogue();
    }

    /** Stores an entry (stack index k) to memory without changing the model. */
    private void storeEntry(ValueStack.Entry e, int k, Mem to) {
        switch (e.kind) {
            case GPR -> a.mov(to, Gpr.of(e.reg, Width.QWORD));
            case XMM -> a.movsd(to, Xmm.of(e.reg));
            case CONST -> {
                long v = ValueStack.canonicalBits(e);
                if (v == (int) v) {
                    a.mov(Width.QWORD, to, v);
                } else {
                    a.mov(ValueStack.SCRATCH, v);
                    a.mov(to, ValueStack.SCRATCH);
                }
            }
            case SLOT -> {
                a.mov(ValueStack.SCRATCH, vs.slot(k));
                a.mov(to, ValueStack.SCRATCH);
            }
        }
    }

    /** Jumps to the branch target when cond holds, directly when the branch needs no moves. */
    private void emitConditionalBranch(Cond cond, int depth) {
        ControlFrame target = frameAt(depth);
        if (target.kind != ControlFrame.Kind.FUNCTION) {
            checkTopTypes(target.kind == ControlFrame.Kind.LOOP ? target.type.params() : target.type.results());
            if (vs.moveIsNoop(target.base, target.branchArity())) {
                a.jcc(cond, target.label);
                return;
            }
        }
        Label skip = a.newLabel();
        a.jcc(cond.negate(), skip);
        emitBranch(depth);
        a.bind(skip);
    }

    private void emitBranch(int depth) {
        ControlFrame target = frameAt(depth);
        if (target.kind == ControlFrame.Kind.FUNCTION) {
            emitReturn();
            return;
        }
        int arity = target.branchArity();
        checkTopTypes(target.kind == ControlFrame.Kind.LOOP ? target.type.params() : target.type.results());
        vs.emitMoveTopTo(target.base, arity);
        a.jmp(target.label);
    }

    private void enterBlock(ControlFrame.Kind kind, BlockType bt, Label elseLabel) {
        checkTopTypes(bt.params());
        regLocals.reloadAll(regLocals.liveBefore(at));
        vs.spillAll();
        ControlFrame f = new ControlFrame(kind, bt, a.newLabel(), elseLabel, vs.height() - bt.params().size());
        frames.push(f);
        if (kind == ControlFrame.Kind.LOOP) {
            a.bind(f.label);
            regLocals.atLabel();
        }
    }

    private void pushSlots(List<ValType> types) {
        for (ValType t : types) {
            requireSupported(t);
            vs.pushSlot(t);
        }
    }

    private void emit(Instruction ins) {
        OpCode op = ins.opcode();
        switch (op) {
            case NOP -> {
            }
            case UNREACHABLE -> {
                a.jmp(mod.trap(TrapKind.UNREACHABLE));
                markUnreachable();
            }
            case BLOCK -> enterBlock(ControlFrame.Kind.BLOCK, blockType(ins), null);
            case LOOP -> enterBlock(ControlFrame.Kind.LOOP, blockType(ins), null);
            case IF -> {
                BlockType bt = blockType(ins);
                Gpr c = vs.popGpr(ValType.I32);
                Label elseLabel = a.newLabel();
                enterBlock(ControlFrame.Kind.IF, bt, elseLabel);
                a.test(c.as(Width.DWORD), c.as(Width.DWORD));
                vs.free(c);
                a.jcc(Cond.E, elseLabel);
            }
            case ELSE -> {
                ControlFrame f = frames.peek();
                if (f.kind != ControlFrame.Kind.IF || f.elseSeen) {
                    throw new CompileException("else without if");
                }
                if (!f.unreachable) {
                    checkTopTypes(f.type.results());
                    if (vs.height() != f.base + f.type.results().size()) {
                        throw new CompileException("type mismatch: values remaining at else");
                    }
                    regLocals.reloadAll(regLocals.liveBefore(at));
                    vs.emitMoveTopTo(f.base, f.type.results().size());
                    a.jmp(f.label);
                }
                vs.truncate(f.base);
                a.bind(f.elseLabel);
                regLocals.atLabel();
                f.elseSeen = true;
                f.unreachable = false;
                pushSlots(f.type.params());
            }
            case END -> endFrame();
            case BR -> {
                regLocals.reloadAll(regLocals.liveBefore(at));
                emitBranch((int) ins.operand(0));
                markUnreachable();
            }
            case BR_IF -> {
                regLocals.reloadAll(regLocals.liveBefore(at));
                Gpr c = vs.popGpr(ValType.I32);
                a.test(c.as(Width.DWORD), c.as(Width.DWORD));
                vs.free(c);
                emitConditionalBranch(Cond.NE, (int) ins.operand(0));
            }
            case BR_TABLE -> brTable(ins.operands());
            case RETURN -> {
                emitReturn();
                markUnreachable();
            }
            case CALL -> call((int) ins.operand(0));
            case CALL_INDIRECT -> callIndirect((int) ins.operand(0), (int) ins.operand(1));
            case DROP -> vs.drop();
            case SELECT, SELECT_T -> select();
            case LOCAL_GET -> localGet(localIndex(ins));
            case LOCAL_SET -> localSet(localIndex(ins), false);
            case LOCAL_TEE -> localSet(localIndex(ins), true);
            case GLOBAL_GET -> {
                int g = globalIndex(ins);
                load(mod.globalTypes.get(g), globalCell(g));
            }
            case GLOBAL_SET -> {
                int g = globalIndex(ins);
                store(mod.globalTypes.get(g), globalCell(g), false);
            }
            case I32_CONST -> vs.pushConst(ValType.I32, ins.operand(0) & 0xFFFF_FFFFL);
            case I64_CONST -> vs.pushConst(ValType.I64, ins.operand(0));
            case F32_CONST -> vs.pushConst(ValType.F32, ins.operand(0) & 0xFFFF_FFFFL);
            case F64_CONST -> vs.pushConst(ValType.F64, ins.operand(0));
            case MEMORY_GROW -> {
                if (mod.options.usesGuardRegion()) {
                    guardedGrow();
                } else {
                    memory.emit(ins);
                }
            }
            default -> {
                if (!memory.emit(ins) && !tables.emit(ins) && !numeric.emit(op)) {
                    throw new UnsupportedFeatureException("instruction " + op + " is not supported yet");
                }
            }
        }
    }

    /** A defined global's cell is in the context; an imported one's slot points at the exporter's cell. */
    private Mem globalCell(int g) {
        Mem slot = Mem.base(Reg.R15).disp(ContextLayout.GLOBALS + 8 * g);
        if (g >= mod.importedGlobals) {
            return slot;
        }
        a.mov(ValueStack.SCRATCH, slot);
        return Mem.base(ValueStack.SCRATCH);
    }

    private int localIndex(Instruction ins) {
        long i = ins.operand(0);
        if (i < 0 || i >= locals.size()) {
            throw new CompileException("unknown local " + i);
        }
        return (int) i;
    }

    private int globalIndex(Instruction ins) {
        long g = ins.operand(0);
        if (g < 0 || g >= mod.globalTypes.size()) {
            throw new CompileException("unknown global " + g);
        }
        return (int) g;
    }

    private void endFrame() {
        ControlFrame f = frames.pop();
        List<ValType> results = f.type.results();
        if (!f.unreachable) {
            checkTopTypes(results);
            if (vs.height() != f.base + results.size()) {
                throw new CompileException("type mismatch: " + (vs.height() - f.base - results.size())
                        + " extra values at end of block");
            }
            if (f.kind == ControlFrame.Kind.IF && !f.elseSeen && !f.type.params().equals(results)) {
                throw new CompileException("type mismatch: if without else must not change the stack");
            }
        }
        if (f.kind == ControlFrame.Kind.FUNCTION) {
            if (!f.unreachable) {
                emitReturn();
            }
            vs.truncate(0);
            return;
        }
        if (!f.unreachable) {
            regLocals.reloadAll(regLocals.liveBefore(at));
            vs.emitMoveTopTo(f.base, results.size());
        }
        vs.truncate(f.base);
        if (f.kind == ControlFrame.Kind.IF && !f.elseSeen) {
            a.bind(f.elseLabel);
        }
        if (f.kind != ControlFrame.Kind.LOOP) {
            a.bind(f.label);
        }
        regLocals.atLabel();
        pushSlots(results);
    }

    private void brTable(long[] targets) {
        regLocals.reloadAll(regLocals.liveBefore(at));
        Gpr c = vs.popGpr(ValType.I32);
        int n = targets.length - 1;
        vs.free(c);
        if (n == 0) {
            emitBranch((int) targets[0]);
            markUnreachable();
            return;
        }
        Map<Integer, Label> stubs = new LinkedHashMap<>();
        for (long t : targets) {
            stubs.computeIfAbsent((int) t, d -> a.newLabel());
        }
        Label table = a.newLabel();
        a.cmp(c.as(Width.DWORD), n);
        a.jcc(Cond.AE, stubs.get((int) targets[n]));
        a.lea(ValueStack.SCRATCH, Mem.rip(table));
        a.movsxd(c, Mem.base(ValueStack.SCRATCH, c, 4));
        a.add(ValueStack.SCRATCH, c);
        a.jmp(ValueStack.SCRATCH);
        a.alignData(4, 0xCC);
        a.bind(table);
        for (int i = 0; i < n; i++) {
            a.dd(stubs.get((int) targets[i]), table);
        }
        for (Map.Entry<Integer, Label> stub : stubs.entrySet()) {
            a.bind(stub.getValue());
            emitBranch(stub.getKey());
        }
        markUnreachable();
    }

    private void call(int f) {
        if (f < 0 || f >= mod.functionTypes.size()) {
            throw new CompileException("unknown function " + f);
        }
        FunctionType ft = mod.functionTypes.get(f);
        checkTopTypes(ft.params());
        vs.spillAll();
        emitCallSequence(ft, () -> a.call(mod.functionLabels[f]));
    }

    private void emitCallSequence(FunctionType ft, Runnable callInstruction) {
        int np = ft.params().size();
        int nr = ft.returns().size();
        regLocals.saveAroundCall(regLocals.liveBefore(at + 1));
        if (nr > np) {
            a.lea(Reg.RSP, Mem.base(Reg.RSP).disp(-8 * (nr - np)));
        }
        callInstruction.run();
        if (np > nr) {
            a.lea(Reg.RSP, Mem.base(Reg.RSP).disp(8 * (np - nr)));
        }
        vs.truncate(vs.height() - np);
        pushSlots(ft.returns());
    }

    /**
     * memory.grow with guard regions: a call of type (i32) -> i32 to the module's grow thunk, which
     * runs the memory record's grow function like an import and reloads R13 / R14.
     */
    private void guardedGrow() {
        if (!mod.hasMemory) {
            throw new CompileException("unknown memory 0");
        }
        checkTopTypes(List.of(ValType.I32));
        vs.spillAll();
        emitCallSequence(ModuleInfo.GROW_TYPE, () -> a.call(mod.growThunk));
    }

    private void callIndirect(int typeIndex, int tableIndex) {
        int table = mod.tableSlot(tableIndex);
        FunctionType ft = mod.module.typeSection().getType(typeIndex);
        Gpr c = vs.popGpr(ValType.I32);
        checkTopTypes(ft.params());
        vs.spillAll();
        a.mov(ValueStack.SCRATCH, Mem.base(Reg.R15).disp(table));
        a.cmp(c, Mem.base(ValueStack.SCRATCH).disp(ContextLayout.TABLE_SIZE));
        a.jcc(Cond.AE, mod.trap(TrapKind.UNDEFINED_ELEMENT));
        a.mov(ValueStack.SCRATCH, Mem.base(ValueStack.SCRATCH).disp(ContextLayout.TABLE_BASE));
        a.mov(ValueStack.SCRATCH, Mem.base(ValueStack.SCRATCH, c, 8));
        a.test(ValueStack.SCRATCH, ValueStack.SCRATCH);
        a.jcc(Cond.E, mod.trap(TrapKind.UNINITIALIZED_ELEMENT));
        a.mov(c, Mem.base(Reg.R15).disp(ContextLayout.TYPE_IDS));
        a.mov(c, Mem.base(c).disp(8 * typeIndex));
        a.cmp(c, Mem.base(ValueStack.SCRATCH).disp(ContextLayout.DESCRIPTOR_TYPE));
        a.jcc(Cond.NE, mod.trap(TrapKind.INDIRECT_CALL_TYPE_MISMATCH));
        vs.free(c);
        // Everything is spilled, so RAX is free. The callee may belong to another instance: run it
        // with its own context and memory registers, then restore ours (it may have grown memory).
        Mem savedContext = Mem.base(Reg.RBP).disp(-8 * (declaredLocals + 1));
        emitCallSequence(ft, () -> {
            Label noMemory = a.newLabel();
            a.mov(savedContext, Reg.R15);
            a.mov(Reg.R15, Mem.base(ValueStack.SCRATCH).disp(ContextLayout.DESCRIPTOR_CONTEXT));
            a.mov(Reg.RAX, Mem.base(Reg.R15).disp(ContextLayout.MEMORY));
            a.test(Reg.RAX, Reg.RAX);
            a.jcc(Cond.E, noMemory);
            a.mov(Reg.R14, Mem.base(Reg.RAX).disp(ContextLayout.MEMORY_BASE));
            a.mov(Reg.R13, Mem.base(Reg.RAX).disp(ContextLayout.MEMORY_BYTES));
            a.bind(noMemory);
            a.call(Mem.base(ValueStack.SCRATCH).disp(ContextLayout.DESCRIPTOR_CODE));
            a.mov(Reg.R15, savedContext);
            if (mod.hasMemory) {
                a.mov(ValueStack.SCRATCH, Mem.base(Reg.R15).disp(ContextLayout.MEMORY));
                a.mov(Reg.R14, Mem.base(ValueStack.SCRATCH).disp(ContextLayout.MEMORY_BASE));
                a.mov(Reg.R13, Mem.base(ValueStack.SCRATCH).disp(ContextLayout.MEMORY_BYTES));
            }
        });
    }

    private void select() {
        Gpr c = vs.popGpr(ValType.I32);
        ValType t = vs.peek(0).type;
        if (ValueStack.isFloat(t)) {
            Xmm b = vs.popXmm(t);
            Xmm x = vs.popXmm(t);
            Label keep = a.newLabel();
            a.test(c.as(Width.DWORD), c.as(Width.DWORD));
            a.jcc(Cond.NE, keep);
            a.movaps(x, b);
            a.bind(keep);
            vs.free(b);
            vs.free(c);
            vs.push(t, x);
        } else {
            Gpr b = vs.popGpr(t);
            Gpr x = vs.popGpr(t);
            Width w = t.equals(ValType.I32) ? Width.DWORD : Width.QWORD;
            a.test(c.as(Width.DWORD), c.as(Width.DWORD));
            a.cmovcc(Cond.E, x.as(w), b.as(w));
            vs.free(b);
            vs.free(c);
            vs.push(t, x);
        }
    }

    private void localGet(int i) {
        Xmm xhome = regLocals.xmmRegister(i);
        if (xhome != null) {
            regLocals.ensureLoaded(i);
            Xmm x = vs.allocXmm();
            a.movaps(x, xhome);
            vs.push(locals.get(i), x);
            return;
        }
        Gpr home = regLocals.register(i);
        if (home == null) {
            load(locals.get(i), localSlot(i));
            return;
        }
        regLocals.ensureLoaded(i);
        Gpr r = vs.allocGpr();
        a.mov(r, home);
        vs.push(locals.get(i), r);
    }

    private void localSet(int i, boolean tee) {
        Gpr home = regLocals.register(i);
        Xmm xhome = regLocals.xmmRegister(i);
        if (home == null && xhome == null) {
            store(locals.get(i), localSlot(i), tee);
            return;
        }
        ValType t = locals.get(i);
        ValueStack.Entry top = vs.peek(0);
        if (!top.type.equals(t)) {
            throw new CompileException("type mismatch: expected " + t + " but stack has " + top.type);
        }
        if (xhome != null) {
            if (top.isConst()) {
                vs.loadFloatConst(xhome, ValueStack.canonicalBits(top));
                if (!tee) {
                    vs.drop();
                }
            } else {
                Xmm x = vs.popXmm(t);
                a.movaps(xhome, x);
                if (tee) {
                    vs.push(t, x);
                } else {
                    vs.free(x);
                }
            }
        } else if (top.isConst()) {
            vs.loadConst(home, ValueStack.canonicalBits(top));
            if (!tee) {
                vs.drop();
            }
        } else {
            Gpr r = vs.popGpr(t);
            a.mov(home, r);
            if (tee) {
                vs.push(t, r);
            } else {
                vs.free(r);
            }
        }
        regLocals.written(i);
    }

    /** Pushes the value of a local or global slot. */
    private void load(ValType t, Mem from) {
        if (ValueStack.isFloat(t)) {
            Xmm x = vs.allocXmm();
            if (t.equals(ValType.F32)) {
                a.movss(x, from);
            } else {
                a.movsd(x, from);
            }
            vs.push(t, x);
        } else if (t.equals(ValType.I32)) {
            Gpr r = vs.allocGpr();
            a.mov(r.as(Width.DWORD), from);
            vs.push(t, r);
        } else if (t.equals(ValType.I64) || t.isReference()) {
            Gpr r = vs.allocGpr();
            a.mov(r, from);
            vs.push(t, r);
        } else {
            throw new UnsupportedFeatureException("values of type " + t + " are not supported yet");
        }
    }

    /** Pops (or, for tee, copies) the top value into a local or global slot. */
    private void store(ValType t, Mem to, boolean tee) {
        ValueStack.Entry top = vs.peek(0);
        if (!top.type.equals(t)) {
            throw new CompileException("type mismatch: expected " + t + " but stack has " + top.type);
        }
        if (top.isConst()) {
            storeEntry(top, vs.height() - 1, to);
            if (!tee) {
                vs.drop();
            }
            return;
        }
        if (ValueStack.isFloat(t)) {
            Xmm x = vs.popXmm(t);
            a.movsd(to, x);
            if (tee) {
                vs.push(t, x);
            } else {
                vs.free(x);
            }
        } else {
            Gpr r = vs.popGpr(t);
            a.mov(to, r);
            if (tee) {
                vs.push(t, r);
            } else {
                vs.free(r);
            }
        }
    }
}
