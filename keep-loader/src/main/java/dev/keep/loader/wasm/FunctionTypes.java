package dev.keep.loader.wasm;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;

/** A module's function types by function index: imported functions first, then its own. */
public final class FunctionTypes {
    private FunctionTypes() {
    }

    /** The type of function {@code index} of {@code module} (an index the module's validation accepted). */
    public static FunctionType of(WasmModule module, int index) {
        int imported = module.importSection().count(ExternalType.FUNCTION);
        if (index < imported) {
            var imp = (FunctionImport) module.importSection().stream()
                    .filter(i -> i.importType() == ExternalType.FUNCTION).toList().get(index);
            return module.typeSection().getType(imp.typeIndex());
        }
        return module.typeSection().getType(module.functionSection().getFunctionType(index - imported));
    }
}
