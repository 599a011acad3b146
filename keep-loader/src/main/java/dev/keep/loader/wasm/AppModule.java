package dev.keep.loader.wasm;

import com.dylibso.chicory.wasm.WasmModule;
import dev.keep.loader.KeepException;
import java.nio.file.Path;

/**
 * A WebAssembly app that has been read, parsed and validated.
 *
 * @param path where it was read from (as given by the user)
 * @param bytes the module's exact bytes, which later become part of what a keep measures
 * @param module Chicory's parsed form
 * @param chicoryValidated whether Chicory's own validator accepts the module. It is false only for
 *     a valid module that Keep accepts despite a known Chicory 1.7.5 defect: Chicory misreads a block
 *     type index of 64 or more (see wasm-shim's {@code WasmFrontEnd}), so it cannot run the module,
 *     while Keep's compiler (the kvm and sev-snp backends) decodes it itself and runs it
 */
public record AppModule(Path path, byte[] bytes, WasmModule module, boolean chicoryValidated) {

    /** An app Chicory validated. */
    public AppModule(Path path, byte[] bytes, WasmModule module) {
        this(path, bytes, module, true);
    }

    /**
     * For the backends that run the app on Chicory (nil, jailed or not, and its invoke API).
     *
     * @throws KeepException when Chicory cannot run this module
     */
    public void requireRunnableOnChicory() {
        if (!chicoryValidated) {
            throw new KeepException(path + ": the nil backend cannot run this module: Chicory 1.7.5 misreads its"
                    + " block types (a type index of 64 or more); Keep's compiler reads them right: use --backend kvm");
        }
    }

    /** argv[0] as the app sees it: the file name, as wasmtime passes it. */
    public String programName() {
        Path name = path.getFileName();
        return name == null ? path.toString() : name.toString();
    }
}
