package dev.keep.loader.wasm;

import com.dylibso.chicory.wasm.WasmModule;
import java.nio.file.Path;

/**
 * A WebAssembly app that has been read, parsed and validated.
 *
 * @param path where it was read from (as given by the user)
 * @param bytes the module's exact bytes, which later become part of what a keep measures
 * @param module Chicory's parsed and validated form
 */
public record AppModule(Path path, byte[] bytes, WasmModule module) {

    /** argv[0] as the app sees it: the file name, as wasmtime passes it. */
    public String programName() {
        Path name = path.getFileName();
        return name == null ? path.toString() : name.toString();
    }
}
