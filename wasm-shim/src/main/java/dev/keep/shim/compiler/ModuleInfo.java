package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Label;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Module-wide facts the function compiler needs: index spaces, types, and shared labels. */
final class ModuleInfo {
    final WasmFrontEnd.ParsedModule parsed;
    final WasmModule module;
    final int importedFunctions;
    final List<FunctionType> functionTypes = new ArrayList<>();
    final List<Integer> functionTypeIndices = new ArrayList<>();
    final List<ValType> globalTypes = new ArrayList<>();
    final List<ValType> tableTypes = new ArrayList<>();
    final int importedTables;
    final int importedGlobals;
    final Label[] functionLabels;
    final Map<TrapKind, Label> trapLabels = new EnumMap<>(TrapKind.class);
    /** The shared exit: stores RAX as the trap code and returns to the trampoline's caller. */
    final Label exit;
    final boolean hasMemory;
    final CompilerOptions options;
    /** memory.grow as a call in guard-region mode: (delta pages) -> old pages or -1. */
    static final FunctionType GROW_TYPE = FunctionType.of(List.of(ValType.I32), List.of(ValType.I32));
    /** Guard-region mode: the thunk that calls the memory record's grow function. */
    final Label growThunk;

    ModuleInfo(WasmFrontEnd.ParsedModule parsed, Assembler a, CompilerOptions options) {
        this.parsed = parsed;
        this.module = parsed.module();
        this.options = options;
        int imported = 0;
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            if (imp.importType() == ExternalType.FUNCTION) {
                int t = ((FunctionImport) imp).typeIndex();
                functionTypeIndices.add(t);
                functionTypes.add(module.typeSection().getType(t));
                imported++;
            } else if (imp.importType() == ExternalType.GLOBAL) {
                globalTypes.add(((GlobalImport) imp).type());
            } else if (imp.importType() == ExternalType.TABLE) {
                tableTypes.add(((com.dylibso.chicory.wasm.types.TableImport) imp).entryType());
            }
        }
        this.importedTables = tableTypes.size();
        this.importedGlobals = globalTypes.size();
        for (int t = 0; t < module.tableSection().tableCount(); t++) {
            tableTypes.add(module.tableSection().getTable(t).elementType());
        }
        this.importedFunctions = imported;
        for (int i = 0; i < module.functionSection().functionCount(); i++) {
            int t = module.functionSection().getFunctionType(i);
            functionTypeIndices.add(t);
            functionTypes.add(module.typeSection().getType(t));
        }
        for (var g : module.globalSection().globals()) {
            globalTypes.add(g.valueType());
        }
        this.hasMemory = module.memorySection().isPresent()
                || module.importSection().count(ExternalType.MEMORY) > 0;
        this.functionLabels = new Label[functionTypes.size()];
        for (int i = 0; i < functionLabels.length; i++) {
            functionLabels[i] = a.newLabel();
        }
        for (TrapKind k : TrapKind.values()) {
            trapLabels.put(k, a.newLabel());
        }
        this.exit = a.newLabel();
        this.growThunk = a.newLabel();
    }

    /** Context offset of table t's slot (the address of its record). */
    int tableSlot(long t) {
        if (t < 0 || t >= tableTypes.size()) {
            throw new CompileException("unknown table " + t);
        }
        return ContextLayout.tableSlot(globalTypes.size(), (int) t);
    }

    Label trap(TrapKind kind) {
        return trapLabels.get(kind);
    }

    BlockType blockType(long immediate) {
        if (immediate < 0) {
            return new BlockType(List.of(), WasmFrontEnd.single(immediate));
        }
        if (immediate >= module.typeSection().typeCount()) {
            throw new CompileException("block type index " + immediate + " out of range");
        }
        return BlockType.of(module.typeSection().getType((int) immediate));
    }
}
