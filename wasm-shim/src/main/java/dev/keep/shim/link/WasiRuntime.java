package dev.keep.shim.link;

import com.dylibso.chicory.wasm.types.FunctionType;
import dev.keep.shim.abi.GuestHostcalls;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Label;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The in-keep WASI preview1 runtime an app's keep links ({@link WasiThunks}, {@link StdioBuffer},
 * baked argv and environment), for a keep that is not one app's: a store keep, whose modules
 * import WASI functions by name like any other import.
 */
public final class WasiRuntime {
    /** The module name WASI preview1 functions are imported from. */
    public static final String MODULE = WasiFunction.MODULE;

    /**
     * What was emitted.
     *
     * @param routines each WASI function's routine, by import name
     * @param types each WASI function's type, by import name
     * @param flushStdio flushes the buffered stdout / stderr bytes (call before the keep waits)
     * @param data the runtime's data, to be placed at the address given to {@link #emit}
     */
    public record Emitted(Map<String, Label> routines, Map<String, FunctionType> types, Label flushStdio,
            byte[] data) {
    }

    private WasiRuntime() {
    }

    /** Emits the routines at the current position of {@code a}; their data starts at {@code dataAddress}. */
    public static Emitted emit(Assembler a, GuestHostcalls.Routines hostcalls, long dataAddress,
            List<String> argv, List<String> environ) {
        DataRegion data = new DataRegion(dataAddress);
        BakedStrings.Placed placedArgv = BakedStrings.of(argv).place(data);
        BakedStrings.Placed placedEnviron = BakedStrings.of(environ).place(data);
        long monotonicFloor = data.reserve(8, 8);
        StdioBuffer stdio = StdioBuffer.emit(a, data, hostcalls);
        Map<WasiFunction, Label> labels = WasiThunks.emit(a, hostcalls, stdio, placedArgv, placedEnviron, monotonicFloor);
        Map<String, Label> routines = new HashMap<>();
        Map<String, FunctionType> types = new HashMap<>();
        labels.forEach((f, label) -> {
            routines.put(f.wasiName, label);
            types.put(f.wasiName, f.type);
        });
        return new Emitted(Map.copyOf(routines), Map.copyOf(types), stdio.flush, data.bytes());
    }
}
