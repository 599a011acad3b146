package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.TableImport;
import com.dylibso.chicory.wasm.types.ValType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The spec tests' "spectest" module: print functions (no-ops here), globals of 666 / 666.6, a
 * memory (1, max 2 pages) and a funcref table (10, max 20), one instance per .wast file.
 */
final class SpectestHost implements ImportResolver, AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final List<MemorySegment> mappings = new ArrayList<>();
    private MemorySegment memory;
    private MemorySegment table;
    /** Whether the memory is for guard-region code (see {@link Records#memory}). */
    private final boolean guarded;

    SpectestHost(boolean guarded) {
        this.guarded = guarded;
    }

    @Override
    public HostFunction function(String module, String name, FunctionType type) {
        List<ValType> params = switch (name) {
            case "print" -> List.of();
            case "print_i32" -> List.of(ValType.I32);
            case "print_i64" -> List.of(ValType.I64);
            case "print_f32" -> List.of(ValType.F32);
            case "print_f64" -> List.of(ValType.F64);
            case "print_i32_f32" -> List.of(ValType.I32, ValType.F32);
            case "print_f64_f64" -> List.of(ValType.F64, ValType.F64);
            default -> null;
        };
        if (!module.equals("spectest") || params == null) {
            throw new LinkException("unknown import " + module + "." + name);
        }
        if (!type.params().equals(params) || !type.returns().isEmpty()) {
            throw new LinkException("incompatible import type " + module + "." + name);
        }
        return args -> new long[0];
    }

    @Override
    public MemorySegment global(GlobalImport g) {
        ValType type = switch (g.name()) {
            case "global_i32" -> ValType.I32;
            case "global_i64" -> ValType.I64;
            case "global_f32" -> ValType.F32;
            case "global_f64" -> ValType.F64;
            default -> null;
        };
        if (!g.module().equals("spectest") || type == null) {
            throw new LinkException("unknown import " + g.module() + "." + g.name());
        }
        if (!g.type().equals(type) || g.mutabilityType() != MutabilityType.Const) {
            throw new LinkException("incompatible import type " + g.module() + "." + g.name());
        }
        long bits = switch (g.name()) {
            case "global_f32" -> Float.floatToRawIntBits(666.6f) & 0xFFFF_FFFFL;
            case "global_f64" -> Double.doubleToRawLongBits(666.6);
            default -> 666;
        };
        MemorySegment cell = arena.allocate(8, 8);
        cell.set(ValueLayout.JAVA_LONG, 0, bits);
        return cell;
    }

    @Override
    public MemorySegment memory(MemoryImport m) {
        if (!m.module().equals("spectest") || !m.name().equals("memory")) {
            throw new LinkException("unknown import " + m.module() + "." + m.name());
        }
        LinkException.checkLimits("memory", 1, 2, m.limits().initialPages(), m.limits().maximumPages());
        if (memory == null) {
            memory = Records.memory(arena, mappings, 1, 2, guarded);
        }
        return memory;
    }

    @Override
    public MemorySegment table(TableImport t) {
        if (!t.module().equals("spectest") || !t.name().equals("table")) {
            throw new LinkException("unknown import " + t.module() + "." + t.name());
        }
        if (!t.entryType().equals(ValType.FuncRef)) {
            throw new LinkException("incompatible import type spectest.table");
        }
        LinkException.checkLimits("table", 10, 20, t.limits().min(), t.limits().max());
        if (table == null) {
            table = Records.table(arena, mappings, 10, 20, 0);
        }
        return table;
    }

    @Override
    public void close() {
        for (MemorySegment m : mappings) {
            Records.release(m);
        }
        arena.close();
    }
}
