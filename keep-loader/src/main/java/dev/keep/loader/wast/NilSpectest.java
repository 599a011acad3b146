package dev.keep.loader.wast;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportGlobal;
import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportTable;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.Table;
import com.dylibso.chicory.wasm.types.TableLimits;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.types.Value;
import dev.keep.loader.invoke.WasmValues;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@code spectest} host module that the spec tests import, as Chicory import values: the print
 * functions, the globals (666 and 666.6), a funcref table of 10..20 elements and a memory of 1..2
 * pages. Each file gets a fresh one, since the tests write to its table and memory.
 */
public final class NilSpectest {
    private static final String MODULE = "spectest";

    private NilSpectest() {}

    /** @param printed receives one line per call of a print function, e.g. "print_i32: 42" */
    public static ImportValues create(Consumer<String> printed) {
        return ImportValues.builder()
                .addFunction(
                        print("print", List.of(), printed),
                        print("print_i32", List.of(ValType.I32), printed),
                        print("print_i64", List.of(ValType.I64), printed),
                        print("print_f32", List.of(ValType.F32), printed),
                        print("print_f64", List.of(ValType.F64), printed),
                        print("print_i32_f32", List.of(ValType.I32, ValType.F32), printed),
                        print("print_f64_f64", List.of(ValType.F64, ValType.F64), printed))
                .addGlobal(
                        constant("global_i32", 666, ValType.I32),
                        constant("global_i64", 666, ValType.I64),
                        constant("global_f32", WasmValues.f32(666.6f), ValType.F32),
                        constant("global_f64", WasmValues.f64(666.6), ValType.F64))
                .addTable(new ImportTable(MODULE, "table",
                        new TableInstance(new Table(ValType.FuncRef, new TableLimits(10, 20)), Value.REF_NULL_VALUE)))
                .addMemory(new ImportMemory(MODULE, "memory", new ByteArrayMemory(new MemoryLimits(1, 2))))
                .build();
    }

    private static HostFunction print(String name, List<ValType> params, Consumer<String> printed) {
        return new HostFunction(MODULE, name, FunctionType.of(params, List.of()), (instance, args) -> {
            StringBuilder line = new StringBuilder(name).append(':');
            for (int i = 0; i < args.length; i++) {
                line.append(' ').append(format(params.get(i), args[i]));
            }
            printed.accept(line.toString());
            return null;
        });
    }

    private static String format(ValType type, long raw) {
        if (type.equals(ValType.F32)) {
            return Float.toString(WasmValues.asF32(raw));
        }
        if (type.equals(ValType.F64)) {
            return Double.toString(WasmValues.asF64(raw));
        }
        return type.equals(ValType.I32) ? Integer.toString((int) raw) : Long.toString(raw);
    }

    private static ImportGlobal constant(String name, long raw, ValType type) {
        return new ImportGlobal(MODULE, name, new GlobalInstance(raw, 0, type, MutabilityType.Const));
    }
}
