package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.ActiveElement;
import com.dylibso.chicory.wasm.types.Element;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.Global;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.OpCode;
import java.util.List;

/**
 * Module-level index checks that Chicory's parser leaves to its runtime's instantiation (export
 * targets, start function, constant expressions' global / function references, function type
 * indices, the Wasm 2.0 single-memory rule, ref.func of undeclared functions), so a module we
 * compile is one Wasm 2.0 calls valid.
 */
final class ModuleChecks {
    private ModuleChecks() {
    }

    static void check(WasmModule m) {
        int types = m.typeSection().typeCount();
        int functions = m.functionSection().functionCount();
        int importedGlobals = 0;
        int memories = m.memorySection().map(s -> s.memoryCount()).orElse(0);
        int tables = m.tableSection().tableCount();
        for (int i = 0; i < m.importSection().importCount(); i++) {
            Import imp = m.importSection().getImport(i);
            switch (imp.importType()) {
                case FUNCTION -> {
                    functions++;
                    if (((FunctionImport) imp).typeIndex() >= types) {
                        throw new CompileException("unknown type " + ((FunctionImport) imp).typeIndex());
                    }
                }
                case GLOBAL -> importedGlobals++;
                case MEMORY -> memories++;
                case TABLE -> tables++;
                default -> {
                }
            }
        }
        for (int i = 0; i < m.functionSection().functionCount(); i++) {
            if (m.functionSection().getFunctionType(i) >= types) {
                throw new CompileException("unknown type " + m.functionSection().getFunctionType(i));
            }
        }
        if (memories > 1) {
            throw new CompileException("multiple memories");
        }
        int globals = importedGlobals + m.globalSection().globalCount();
        java.util.Set<String> exportNames = new java.util.HashSet<>();
        for (int i = 0; i < m.exportSection().exportCount(); i++) {
            Export e = m.exportSection().getExport(i);
            if (!exportNames.add(e.name())) {
                throw new CompileException("duplicate export name " + e.name());
            }
            int limit = switch (e.exportType()) {
                case FUNCTION -> functions;
                case GLOBAL -> globals;
                case MEMORY -> memories;
                case TABLE -> tables;
                default -> Integer.MAX_VALUE;
            };
            if (e.index() < 0 || e.index() >= limit) {
                throw new CompileException("unknown " + e.exportType().name().toLowerCase() + " " + e.index());
            }
        }
        if (m.startSection().isPresent() && m.startSection().get().startIndex() >= functions) {
            throw new CompileException("unknown function " + m.startSection().get().startIndex());
        }
        for (Global g : m.globalSection().globals()) {
            constant(g.initInstructions(), importedGlobals, functions);
        }
        for (var seg : m.dataSection().dataSegments()) {
            if (seg instanceof ActiveDataSegment a) {
                if (memories == 0) {
                    throw new CompileException("unknown memory " + a.index());
                }
                constant(a.offsetInstructions(), importedGlobals, functions);
            }
        }
        for (Element el : m.elementSection().elements()) {
            if (el instanceof ActiveElement a) {
                constant(a.offset(), importedGlobals, functions);
            }
            for (List<Instruction> init : el.initializers()) {
                constant(init, importedGlobals, functions);
            }
        }
        declaredReferences(m);
    }

    /**
     * Every ref.func in a function body names a function the module declares (C.refs: named in an
     * element segment, an export or a global's initializer). Chicory 1.7.5 does not check this.
     */
    private static void declaredReferences(WasmModule m) {
        java.util.Set<Long> declared = RefFuncDeclarations.declared(m);
        for (var body : m.codeSection().functionBodies()) {
            for (Instruction ins : body.instructions()) {
                if (ins.opcode() == OpCode.REF_FUNC && !declared.contains(ins.operand(0))) {
                    throw new CompileException("undeclared function reference " + ins.operand(0));
                }
            }
        }
    }

    /** Constant expressions may read imported globals only and name existing functions. */
    private static void constant(List<Instruction> expr, int importedGlobals, int functions) {
        for (Instruction ins : expr) {
            if (ins.opcode() == OpCode.GLOBAL_GET && ins.operand(0) >= importedGlobals) {
                throw new CompileException("unknown global " + ins.operand(0));
            }
            if (ins.opcode() == OpCode.REF_FUNC && ins.operand(0) >= functions) {
                throw new CompileException("unknown function " + ins.operand(0));
            }
        }
    }
}
