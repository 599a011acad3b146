package dev.keep.shim.compiler;

/** A trap reported by compiled code through the context (or by instantiation). */
final class WasmTrap extends Exception {
    private static final long serialVersionUID = 1L;

    WasmTrap(String message) {
        super(message);
    }
}
