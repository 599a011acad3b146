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
 * @param parse how {@code module} was obtained from {@code bytes}
 */
public record AppModule(Path path, byte[] bytes, WasmModule module, Parse parse) {

    /** How an app's module was parsed. */
    public enum Parse {
        /** Chicory's validating parser accepted exactly these bytes; the module is that parse. */
        CHICORY_VALIDATED,
        /**
         * Valid, but Chicory's validator calls a function's {@code ref.func} of itself undeclared when
         * only an active element segment declares it: the module is Chicory's validated parse of the
         * bytes with that declaration spelled out (wasm-shim's {@code RefFuncDeclarations}), which
         * Chicory runs as it should.
         */
        DECLARATIONS_SPELLED_OUT,
        /**
         * Valid, but Chicory 1.7.5 misreads a block type index of 64 or more, so its validator
         * refuses the module and it cannot run it; the module is parsed without Chicory's validation
         * and Keep's compiler, which reads block types itself, checked it.
         */
        BLOCK_TYPES_MISREAD_BY_CHICORY
    }

    /** An app Chicory validated. */
    public AppModule(Path path, byte[] bytes, WasmModule module) {
        this(path, bytes, module, Parse.CHICORY_VALIDATED);
    }

    /**
     * For the backends that run the app on Chicory (nil, jailed or not, and its invoke API).
     *
     * @throws KeepException when Chicory cannot run this module
     */
    public void requireRunnableOnChicory() {
        if (parse == Parse.BLOCK_TYPES_MISREAD_BY_CHICORY) {
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
