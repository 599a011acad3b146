package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.WasmModule;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Compiles a whole module: trap stubs and the shared exit first, then one entry trampoline per
 * distinct (parameter count, result count), then every defined function in index order. The output
 * depends only on the module bytes and the options.
 */
public final class ModuleCompiler {
    /** Callee-saved registers of the System V ABI, in push order. */
    private static final List<dev.keep.shim.asm.Gpr> CALLEE_SAVED =
            List.of(Reg.RBX, Reg.RBP, Reg.R12, Reg.R13, Reg.R14, Reg.R15);

    private ModuleCompiler() {
    }

    public static CompiledModule compile(byte[] wasm) {
        return compile(wasm, CompilerOptions.defaults());
    }

    /**
     * @throws UnsupportedFeatureException if the module uses something not implemented yet
     * @throws CompileException if the module is malformed or invalid
     */
    public static CompiledModule compile(byte[] wasm, CompilerOptions options) {
        return compileFrom(() -> WasmFrontEnd.parse(wasm), options);
    }

    /**
     * As {@link #compile(byte[], CompilerOptions)}, for a module the caller already parsed from
     * exactly {@code wasm} with Chicory's validating parser: it is not parsed and validated again.
     */
    public static CompiledModule compile(byte[] wasm, WasmModule chicoryValidated, CompilerOptions options) {
        return compileFrom(() -> WasmFrontEnd.fromValidated(chicoryValidated, wasm), options);
    }

    private static CompiledModule compileFrom(Supplier<WasmFrontEnd.ParsedModule> frontEnd,
            CompilerOptions options) {
        try {
            return compileParsed(frontEnd.get(), options);
        } catch (com.dylibso.chicory.wasm.ChicoryException e) {
            throw new CompileException("invalid module: " + e.getMessage(), e);
        } catch (CompileException e) {
            throw e;
        } catch (RuntimeException | AssertionError e) {
            // A module shape the parser or code generator did not expect (Chicory's parser also has
            // assert statements): report it as one line, never as an unexpected exception.
            throw new CompileException("cannot compile module: " + e, e);
        }
    }

    private static CompiledModule compileParsed(WasmFrontEnd.ParsedModule parsed, CompilerOptions options) {
        Assembler a = new Assembler();
        ModuleInfo info = new ModuleInfo(parsed, a, options);
        Label exit = info.exit;
        emitTrapStubs(a, info, exit);
        Map<Long, Label> trampolines = new LinkedHashMap<>();
        int n = info.functionTypes.size();
        Label[] entryLabels = new Label[n];
        for (int f = 0; f < n; f++) {
            var t = info.functionTypes.get(f);
            long key = ((long) t.params().size() << 32) | t.returns().size();
            Label l = trampolines.get(key);
            if (l == null) {
                l = a.newLabel();
                trampolines.put(key, l);
                a.align(16);
                a.bind(l);
                emitTrampoline(a, t.params().size(), t.returns().size(), exit, info.hasMemory);
            }
            entryLabels[f] = l;
        }
        for (int f = 0; f < info.importedFunctions; f++) {
            a.align(16);
            a.bind(info.functionLabels[f]);
            int slot = 8 * f;
            emitHostThunk(a, info, r11 -> {
                a.mov(r11, Mem.base(Reg.R15).disp(ContextLayout.IMPORTS));
                return Mem.base(r11).disp(slot);
            });
        }
        if (info.options.usesGuardRegion() && info.hasMemory) {
            a.align(16);
            a.bind(info.growThunk);
            emitHostThunk(a, info, r11 -> {
                a.mov(r11, Mem.base(Reg.R15).disp(ContextLayout.MEMORY));
                return Mem.base(r11).disp(ContextLayout.MEMORY_GROW);
            });
        }
        for (int f = info.importedFunctions; f < n; f++) {
            a.align(16);
            try {
                new FunctionCompiler(info, a, f).compile();
            } catch (UnsupportedFeatureException e) {
                throw e;
            } catch (CompileException e) {
                throw new CompileException("function " + f + ": " + e.getMessage(), e);
            }
        }
        byte[] code = a.finish();
        int[] functionOffsets = new int[n];
        int[] entryOffsets = new int[n];
        for (int f = 0; f < n; f++) {
            functionOffsets[f] = a.offsetOf(info.functionLabels[f]);
            entryOffsets[f] = a.offsetOf(entryLabels[f]);
        }
        return new CompiledModule(code, functionOffsets, entryOffsets, info);
    }

    /**
     * Each trap records its code in the context and unwinds to the trampoline's caller: RSP comes
     * back from the context, so no Wasm frame needs to be walked.
     */
    private static void emitTrapStubs(Assembler a, ModuleInfo info, Label exit) {
        for (TrapKind k : TrapKind.values()) {
            a.bind(info.trap(k));
            a.mov(Reg.EAX, k.code());
            a.jmp(exit);
        }
        a.bind(exit);
        emitTrapExit(a);
    }

    /**
     * The shared exit, entered with the trap code (0 for a normal return) in EAX and the context in
     * R15, from any depth of Wasm frames. Public because a guard-region loader needs a copy of its
     * own: a fault in compiled code resumes at {@code mov eax, code} followed by this sequence.
     */
    public static void emitTrapExit(Assembler a) {
        a.mov(Reg.R11, Mem.base(Reg.R15).disp(ContextLayout.RUNTIME));
        a.mov(Mem.base(Reg.R11).disp(ContextLayout.RT_TRAP_CODE), Reg.RAX);
        a.mov(Reg.RSP, Mem.base(Reg.R11).disp(ContextLayout.RT_SAVED_RSP));
        // The outer activation's saved RSP (nested entries through host calls) comes back.
        a.pop(Mem.base(Reg.R11).disp(ContextLayout.RT_SAVED_RSP));
        for (int i = CALLEE_SAVED.size() - 1; i >= 0; i--) {
            a.pop(CALLEE_SAVED.get(i));
        }
        a.ret();
    }

    /** Emits the load of a host function pointer into R11 and returns the operand holding it. */
    private interface HostPointer {
        Mem load(dev.keep.shim.asm.Gpr r11);
    }

    /**
     * An imported function (or the guard-region grow function) as seen by Wasm code: an ordinary
     * internal-convention function that calls the host pointer on the host stack (below SAVED_RSP,
     * 16-byte aligned, so the host never runs on the Wasm stack), reloads the memory registers and
     * turns a non-zero status into a trap.
     */
    private static void emitHostThunk(Assembler a, ModuleInfo info, HostPointer target) {
        a.push(Reg.RBP);
        a.mov(Reg.RBP, Reg.RSP);
        // A nested entry during the host call must start below this frame, not at the old top.
        a.mov(Reg.R11, Mem.base(Reg.R15).disp(ContextLayout.RUNTIME));
        a.push(Mem.base(Reg.R11).disp(ContextLayout.RT_STACK_TOP));
        a.mov(Mem.base(Reg.R11).disp(ContextLayout.RT_STACK_TOP), Reg.RSP);
        a.mov(Reg.RDI, Reg.R15);
        a.lea(Reg.RSI, Mem.base(Reg.RBP).disp(16));
        a.mov(Reg.RSP, Mem.base(Reg.R11).disp(ContextLayout.RT_SAVED_RSP));
        a.and(Reg.RSP, -16);
        a.call(target.load(Reg.R11));
        a.lea(Reg.RSP, Mem.base(Reg.RBP).disp(-8));
        a.mov(Reg.R11, Mem.base(Reg.R15).disp(ContextLayout.RUNTIME));
        a.pop(Mem.base(Reg.R11).disp(ContextLayout.RT_STACK_TOP));
        if (info.hasMemory) {
            loadMemoryRegisters(a);
        }
        a.test(Reg.EAX, Reg.EAX);
        a.jcc(dev.keep.shim.asm.Cond.NE, info.exit);
        a.pop(Reg.RBP);
        a.ret();
    }

    /** R14 / R13 from the memory record (memory may be shared and grown by another instance). */
    private static void loadMemoryRegisters(Assembler a) {
        a.mov(Reg.R11, Mem.base(Reg.R15).disp(ContextLayout.MEMORY));
        a.mov(Reg.R14, Mem.base(Reg.R11).disp(ContextLayout.MEMORY_BASE));
        a.mov(Reg.R13, Mem.base(Reg.R11).disp(ContextLayout.MEMORY_BYTES));
    }

    /**
     * entry(rdi = context, rsi = values, rdx = function): see {@link CompiledModule}. Saves the
     * callee-saved registers and the previous saved RSP (nested entries), then runs the function on
     * the runtime's Wasm stack.
     */
    private static void emitTrampoline(Assembler a, int params, int results, Label exit, boolean hasMemory) {
        int slots = Math.max(params, results);
        for (var r : CALLEE_SAVED) {
            a.push(r);
        }
        a.mov(Reg.R11, Mem.base(Reg.RDI).disp(ContextLayout.RUNTIME));
        a.push(Mem.base(Reg.R11).disp(ContextLayout.RT_SAVED_RSP));
        a.mov(Mem.base(Reg.R11).disp(ContextLayout.RT_SAVED_RSP), Reg.RSP);
        a.mov(Reg.R15, Reg.RDI);
        a.mov(Reg.RAX, Mem.base(Reg.R11).disp(ContextLayout.RT_STACK_TOP));
        if (hasMemory) {
            loadMemoryRegisters(a);
        }
        a.mov(Reg.RSP, Reg.RAX);
        a.push(Reg.RSI);
        if (slots > 0) {
            a.lea(Reg.RSP, Mem.base(Reg.RSP).disp(-8 * slots));
        }
        for (int j = 0; j < params; j++) {
            a.mov(Reg.R11, Mem.base(Reg.RSI).disp(8 * j));
            a.mov(Mem.base(Reg.RSP).disp(8 * (slots - 1 - j)), Reg.R11);
        }
        a.call(Reg.RDX);
        a.mov(Reg.RSI, Mem.base(Reg.RSP).disp(8 * slots));
        for (int k = 0; k < results; k++) {
            a.mov(Reg.R11, Mem.base(Reg.RSP).disp(8 * (slots - 1 - k)));
            a.mov(Mem.base(Reg.RSI).disp(8 * k), Reg.R11);
        }
        a.xor(Reg.EAX, Reg.EAX);
        a.jmp(exit);
    }
}
