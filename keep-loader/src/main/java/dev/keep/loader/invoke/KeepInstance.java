package dev.keep.loader.invoke;

/**
 * An instantiated WebAssembly module that the host can call into: exported functions, globals and
 * memories. Values cross this interface as raw bits in a {@code long}, the way the Wasm spec tests
 * and Chicory write them (an i32 or f32 in the low 32 bits); {@link WasmValues} converts. Every
 * backend that can run a module for the host implements this, so callers (the wast runner, the
 * differential tests) never depend on which one runs it.
 */
public interface KeepInstance extends AutoCloseable {

    /**
     * Calls exported function {@code export} with {@code args} (raw bits) and returns its results.
     *
     * @throws WasmTrap when the call traps; the instance stays usable
     * @throws dev.keep.loader.KeepException when there is no such function or the argument count is wrong
     */
    long[] invoke(String export, long... args);

    /** Calls a function with one i32 result. */
    default int invokeI32(String export, long... args) {
        return (int) single(export, invoke(export, args));
    }

    /** Calls a function with one i64 result. */
    default long invokeI64(String export, long... args) {
        return single(export, invoke(export, args));
    }

    /** Calls a function with one f32 result. */
    default float invokeF32(String export, long... args) {
        return WasmValues.asF32(single(export, invoke(export, args)));
    }

    /** Calls a function with one f64 result. */
    default double invokeF64(String export, long... args) {
        return WasmValues.asF64(single(export, invoke(export, args)));
    }

    /** The raw bits of exported global {@code export}. */
    long global(String export);

    /**
     * Sets exported global {@code export} to {@code rawBits}.
     *
     * @throws dev.keep.loader.KeepException when there is no such global or it is immutable
     */
    void setGlobal(String export, long rawBits);

    /** The exported memory named "memory", or the only exported memory. */
    KeepMemory memory();

    /** Exported memory {@code export}. */
    KeepMemory memory(String export);

    /** Releases what the instance holds; calls after close are not allowed. */
    @Override
    void close();

    private static long single(String export, long[] results) {
        if (results.length != 1) {
            throw new dev.keep.loader.KeepException(export + " returned " + results.length + " values, expected 1");
        }
        return results[0];
    }
}
