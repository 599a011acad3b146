package dev.keep.shim.store;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The spec tests' host module {@code spectest}, laid out in a store keep: print functions that do
 * nothing, globals 666 / 666.6, a funcref table of 10..20 entries and a memory of 1..2 pages.
 */
final class Spectest {
    private Spectest() {
    }

    /** Lays the module out in {@code store}; its exports by name. */
    static Map<String, Extern> layOut(Store store) {
        Map<String, Extern> m = new HashMap<>();
        long print = store.placeCode(ImportThunks.nothing(), 16);
        printFunction(m, "print", print);
        printFunction(m, "print_i32", print, ValType.I32);
        printFunction(m, "print_i64", print, ValType.I64);
        printFunction(m, "print_f32", print, ValType.F32);
        printFunction(m, "print_f64", print, ValType.F64);
        printFunction(m, "print_i32_f32", print, ValType.I32, ValType.F32);
        printFunction(m, "print_f64_f64", print, ValType.F64, ValType.F64);
        m.put("global_i32", constant(store, ValType.I32, 666));
        m.put("global_i64", constant(store, ValType.I64, 666));
        m.put("global_f32", constant(store, ValType.F32, Float.floatToRawIntBits(666.6f) & 0xFFFF_FFFFL));
        m.put("global_f64", constant(store, ValType.F64, Double.doubleToRawLongBits(666.6)));
        m.put("table", new Extern.Table(store.newTable(10, 20, 0), ValType.FuncRef, 20));
        m.put("memory", new Extern.Memory(store.newMemory(1, 2), 2));
        return Map.copyOf(m);
    }

    /**
     * A print function. Its code is a thunk an importer's import pointer calls directly, so no
     * trampoline or context is involved (the host never calls it).
     */
    private static void printFunction(Map<String, Extern> m, String name, long thunk, ValType... params) {
        m.put(name, Extern.Function.hostThunk(thunk, FunctionType.of(List.of(params), List.of())));
    }

    private static Extern.Global constant(Store store, ValType type, long bits) {
        long cell = store.data.take(8, 8);
        store.guest.putLong(cell, bits);
        return new Extern.Global(cell, type, false);
    }
}
