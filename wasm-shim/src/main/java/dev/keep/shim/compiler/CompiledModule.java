package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;

/**
 * Position-independent machine code for a whole module plus what a loader needs to run it: where
 * each function and each function's entry trampoline starts, and the module's metadata for
 * instantiation (globals, memory, data and element segments).
 *
 * <p>Entry trampoline (System V): {@code int entry(Context* ctx, uint64_t* values, void* function)}.
 * values holds the arguments on entry (one 8-byte word each, i32 / f32 zero-extended) and the
 * results on return; the return value is 0 or the {@link TrapKind#code()} of the trap.
 */
public final class CompiledModule {
    private final byte[] code;
    private final int[] functionOffsets;
    private final int[] entryOffsets;
    private final ModuleInfo info;

    CompiledModule(byte[] code, int[] functionOffsets, int[] entryOffsets, ModuleInfo info) {
        this.code = code;
        this.functionOffsets = functionOffsets;
        this.entryOffsets = entryOffsets;
        this.info = info;
    }

    /** The machine code (a copy). */
    public byte[] code() {
        return code.clone();
    }

    public int codeSize() {
        return code.length;
    }

    public WasmModule module() {
        return info.module;
    }

    public int functionCount() {
        return functionOffsets.length;
    }

    public int importedFunctionCount() {
        return info.importedFunctions;
    }

    /** Code offset of a function (for an import: its thunk to the host pointer). */
    public int functionOffset(int functionIndex) {
        return functionOffsets[functionIndex];
    }

    /** Code offset of the entry trampoline that can call this function. */
    public int entryOffset(int functionIndex) {
        return entryOffsets[functionIndex];
    }

    public FunctionType functionType(int functionIndex) {
        return info.functionTypes.get(functionIndex);
    }

    /** Number of tables (imported and defined): each has a record in the context. */
    public int tableCount() {
        return info.tableTypes.size();
    }

    /** Context offset of table t's slot (holding its record's address). */
    public int tableSlotOffset(int t) {
        return ContextLayout.tableSlot(info.globalTypes.size(), t);
    }

    /** Context offset of global g's slot (for an imported global: the address of its cell). */
    public int globalSlotOffset(int g) {
        return ContextLayout.GLOBALS + 8 * g;
    }

    public int importedGlobalCount() {
        return info.importedGlobals;
    }

    /** The options the code was generated with (a loader must honour its bounds-check mode). */
    public CompilerOptions options() {
        return info.options;
    }

    public boolean hasMemory() {
        return info.hasMemory;
    }

    /** Bytes the context needs for this module. */
    public int contextSize() {
        return ContextLayout.size(info.globalTypes.size(), info.tableTypes.size());
    }

    public List<ValType> globalTypes() {
        return List.copyOf(info.globalTypes);
    }
}
