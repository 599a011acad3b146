package dev.keep.loader.invoke;

import dev.keep.loader.KeepException;

/**
 * A WebAssembly trap: the call (or the instantiation) ended abnormally. The message is the spec's
 * wording ("integer divide by zero", "out of bounds memory access", "call stack exhausted", ...), so
 * it compares directly with a .wast file's {@code assert_trap} text; the instance stays usable.
 */
public final class WasmTrap extends KeepException {
    public WasmTrap(String specMessage) {
        super(specMessage);
    }

    public WasmTrap(String specMessage, Throwable cause) {
        super(specMessage, cause);
    }
}
