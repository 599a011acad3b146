package dev.keep.shim.compiler;

/**
 * Public face of the test-scope native harness for the benchmark: {@link NativeInstance} and
 * {@link WasmTrap} are package-private, so this class lives in their package (compiled by
 * bench/run.sh onto the classpath next to wasm-shim's test classes, not part of the Maven build).
 * It runs exactly the code the keep would run at CPL3, in this process, through Panama.
 */
public final class NativeBridge implements AutoCloseable {
    private final NativeInstance instance;

    private NativeBridge(NativeInstance instance) {
        this.instance = instance;
    }

    /** Maps the compiled code and instantiates it with no imports (the modules are freestanding). */
    public static NativeBridge instantiate(CompiledModule compiled) {
        try {
            return new NativeBridge(new NativeInstance(compiled));
        } catch (WasmTrap t) {
            throw new IllegalStateException("trap while instantiating: " + t.getMessage(), t);
        }
    }

    /** Calls an exported function; a trap becomes an IllegalStateException. */
    public long[] invoke(String export, long... args) {
        try {
            return instance.invoke(export, args);
        } catch (WasmTrap t) {
            throw new IllegalStateException("trap in " + export + ": " + t.getMessage(), t);
        }
    }

    @Override
    public void close() {
        instance.close();
    }
}
