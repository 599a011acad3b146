package dev.keep.loader.wasm;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import dev.keep.loader.KeepException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks, before anything runs, that every import of an app is something the backend provides with
 * the same signature, so a missing function is reported by name instead of as a link failure.
 */
public final class ImportCheck {
    private ImportCheck() {}

    public static void requireProvided(AppModule app, List<? extends ImportFunction> provided) {
        Map<String, FunctionType> byName = new HashMap<>();
        for (ImportFunction f : provided) {
            byName.put(f.module() + "." + f.name(), f.functionType());
        }
        WasmModule module = app.module();
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            String qualified = imp.module() + "." + imp.name();
            if (imp.importType() != ExternalType.FUNCTION) {
                throw new KeepException(app.path() + ": imports " + kindName(imp.importType()) + " " + qualified
                        + ", but Keep provides only functions to apps");
            }
            FunctionType wanted = module.typeSection().getType(((FunctionImport) imp).typeIndex());
            FunctionType offered = byName.get(qualified);
            if (offered == null) {
                throw new KeepException(app.path() + ": imports function " + qualified + wanted
                        + ", which Keep does not provide");
            }
            if (!offered.typesMatch(wanted)) {
                throw new KeepException(app.path() + ": imports function " + qualified + " with type " + wanted
                        + ", but Keep provides it with type " + offered);
            }
        }
    }

    private static String kindName(ExternalType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT);
    }
}
