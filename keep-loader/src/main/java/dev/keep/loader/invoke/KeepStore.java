package dev.keep.loader.invoke;

import dev.keep.loader.wasm.AppModule;

/**
 * Instantiates modules against host modules and against each other, as the spec's {@code register}
 * does: once an instance is registered under a name, later modules can import its exports from that
 * name. Closing it closes every instance it made.
 */
public interface KeepStore extends AutoCloseable {

    /**
     * Links and instantiates {@code module} (running its start function).
     *
     * @throws LinkFailure when an import cannot be satisfied
     * @throws WasmTrap when instantiation traps (a segment out of bounds, a trap in the start function)
     * @throws InvalidModule when the backend finds the module malformed or invalid
     */
    KeepInstance instantiate(AppModule module);

    /** Makes the exports of {@code instance} importable from module name {@code name}. */
    void register(String name, KeepInstance instance);

    @Override
    void close();
}
