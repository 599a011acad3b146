package dev.keep.shim.link;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;

/** The WASI preview1 functions the in-keep runtime implements, with the signature each must have. */
enum WasiFunction {
    ARGS_SIZES_GET("args_sizes_get", 2, 1),
    ARGS_GET("args_get", 2, 1),
    ENVIRON_SIZES_GET("environ_sizes_get", 2, 1),
    ENVIRON_GET("environ_get", 2, 1),
    FD_WRITE("fd_write", 4, 1),
    PROC_EXIT("proc_exit", 1, 0);

    static final String MODULE = "wasi_snapshot_preview1";

    final String wasiName;
    /** Every parameter and result is an i32. */
    final FunctionType type;

    WasiFunction(String wasiName, int params, int results) {
        this.wasiName = wasiName;
        this.type = FunctionType.of(java.util.Collections.nCopies(params, ValType.I32),
                java.util.Collections.nCopies(results, ValType.I32));
    }

    /** The function for an import, or null when the runtime has none of that name. */
    static WasiFunction named(String module, String name) {
        if (!MODULE.equals(module)) {
            return null;
        }
        for (WasiFunction f : values()) {
            if (f.wasiName.equals(name)) {
                return f;
            }
        }
        return null;
    }

    static List<String> names() {
        return java.util.Arrays.stream(values()).map(f -> f.wasiName).toList();
    }
}
