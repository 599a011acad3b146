package dev.keep.shim.store;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.ActiveElement;
import com.dylibso.chicory.wasm.types.Element;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.PassiveElement;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.compiler.CompiledModule;
import dev.keep.shim.compiler.ConstantExpressions;
import dev.keep.shim.compiler.ContextLayout;
import dev.keep.shim.compiler.TrapKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays out one module in a store keep, in the spec's instantiation order: code, context, function
 * descriptors, imports, memory, globals, tables, element segments, data segments, start function.
 * The same layout an app's keep gets at link time ({@code InstanceData}), written into a running
 * keep's arenas instead of an image, with imports from other instances.
 */
final class Instantiation {
    private final Store store;
    private final CompiledModule compiled;
    private final WasmModule module;
    private final List<Extern> imports;
    private final GuestView guest;
    private long codeBase;
    private long context;
    private long descriptors;
    private final List<Extern.Global> globals = new ArrayList<>();
    private final List<Extern.Table> tables = new ArrayList<>();
    private Extern.Memory memory;

    Instantiation(Store store, CompiledModule compiled, List<Extern> imports) {
        this.store = store;
        this.compiled = compiled;
        this.module = compiled.module();
        this.imports = imports;
        this.guest = store.guest;
    }

    StoreInstance run() {
        codeBase = store.placeCode(compiled.code(), 64);
        context = store.data.take(compiled.contextSize(), 16);
        layDescriptors();
        layImportedFunctions();
        layMemory();
        layGlobals();
        layTables();
        int maxSlots = 1;
        for (int f = 0; f < compiled.functionCount(); f++) {
            FunctionType type = compiled.functionType(f);
            maxSlots = Math.max(maxSlots, Math.max(type.params().size(), type.returns().size()));
        }
        long values = store.data.take(8L * maxSlots, 16);
        put(ContextLayout.RUNTIME, store.runtimeRecord);
        StoreInstance instance = new StoreInstance(store, exports(), values);
        // From here on the instance exists for the spec: segments write into shared tables and
        // memories one after the other, and a trap leaves what was written.
        layElements();
        layData();
        if (module.startSection().isPresent()) {
            instance.call(function((int) module.startSection().get().startIndex()), new long[0]);
        }
        return instance;
    }

    private void put(int contextOffset, long value) {
        guest.putLong(context + contextOffset, value);
    }

    private long descriptor(int f) {
        return descriptors + (long) ContextLayout.DESCRIPTOR_BYTES * f;
    }

    private void layDescriptors() {
        int functions = compiled.functionCount();
        descriptors = store.data.take((long) ContextLayout.DESCRIPTOR_BYTES * Math.max(1, functions), 16);
        for (int f = 0; f < functions; f++) {
            guest.putLong(descriptor(f) + ContextLayout.DESCRIPTOR_CODE, codeBase + compiled.functionOffset(f));
            guest.putLong(descriptor(f) + ContextLayout.DESCRIPTOR_TYPE, store.typeId(compiled.functionType(f)));
            guest.putLong(descriptor(f) + ContextLayout.DESCRIPTOR_CONTEXT, context);
        }
        put(ContextLayout.FUNC_DESCRIPTORS, descriptors);
        int types = module.typeSection().typeCount();
        long typeIds = store.data.take(8L * Math.max(1, types), 8);
        for (int t = 0; t < types; t++) {
            guest.putLong(typeIds + 8L * t, store.typeId(module.typeSection().getType(t)));
        }
        put(ContextLayout.TYPE_IDS, typeIds);
    }

    /** Each imported function's pointer: a host thunk as it is, another instance's through a call thunk. */
    private void layImportedFunctions() {
        int count = compiled.importedFunctionCount();
        long pointers = store.data.take(8L * Math.max(1, count), 16);
        put(ContextLayout.IMPORTS, pointers);
        int f = 0;
        for (Extern e : imports) {
            if (e instanceof Extern.Function fn) {
                long target = fn.isHostThunk() ? fn.code() : store.placeCode(ImportThunks.call(fn), 16);
                guest.putLong(pointers + 8L * f++, target);
            }
        }
    }

    private void layMemory() {
        for (Extern e : imports) {
            if (e instanceof Extern.Memory m) {
                memory = m;
            }
        }
        if (memory == null && module.memorySection().isPresent() && module.memorySection().get().memoryCount() > 0) {
            MemoryLimits limits = module.memorySection().get().getMemory(0).limits();
            memory = new Extern.Memory(store.newMemory(limits.initialPages(), limits.maximumPages()),
                    limits.maximumPages());
        }
        // A module without memory still gets an empty record: nothing reads through it, and a
        // zero size keeps every access out of range should anything try.
        put(ContextLayout.MEMORY, memory != null ? memory.record() : store.newMemory(0, 0));
    }

    private void layGlobals() {
        for (Extern e : imports) {
            if (e instanceof Extern.Global g) {
                put(compiled.globalSlotOffset(globals.size()), g.cell());
                globals.add(g);
            }
        }
        for (var global : module.globalSection().globals()) {
            int g = globals.size();
            long cell = context + compiled.globalSlotOffset(g);
            guest.putLong(cell, slotBits(global.valueType(), constant(global.initInstructions())));
            globals.add(new Extern.Global(cell, global.valueType(), global.mutabilityType() == MutabilityType.Var));
        }
    }

    private void layTables() {
        for (Extern e : imports) {
            if (e instanceof Extern.Table t) {
                tables.add(t);
            }
        }
        for (int t = 0; t < module.tableSection().tableCount(); t++) {
            var table = module.tableSection().getTable(t);
            var init = table.initialize();
            long initValue = init == null || init.isEmpty() ? 0 : constant(init);
            tables.add(new Extern.Table(store.newTable(table.limits().min(), table.limits().max(), initValue),
                    table.elementType(), table.limits().max()));
        }
        for (int t = 0; t < tables.size(); t++) {
            put(compiled.tableSlotOffset(t), tables.get(t).record());
        }
    }

    /** Segment records (passive ones stay for table.init), then the active segments applied in order. */
    private void layElements() {
        Element[] elements = module.elementSection().elements();
        long records = store.data.take((long) ContextLayout.DATA_SEGMENT_BYTES * Math.max(1, elements.length), 16);
        put(ContextLayout.ELEM_SEGMENTS, records);
        List<long[]> refs = new ArrayList<>();
        for (int e = 0; e < elements.length; e++) {
            List<List<Instruction>> inits = elements[e].initializers();
            long[] values = new long[inits.size()];
            long at = store.data.take(8L * Math.max(1, values.length), 16);
            for (int k = 0; k < values.length; k++) {
                values[k] = constant(inits.get(k));
                guest.putLong(at + 8L * k, values[k]);
            }
            refs.add(values);
            guest.putLong(records + 16L * e, at);
            guest.putLong(records + 16L * e + 8, elements[e] instanceof PassiveElement ? values.length : 0);
        }
        for (int e = 0; e < elements.length; e++) {
            if (elements[e] instanceof ActiveElement active) {
                long record = tables.get(active.tableIndex()).record();
                long entries = guest.getLong(record + ContextLayout.TABLE_BASE);
                long size = guest.getLong(record + ContextLayout.TABLE_SIZE);
                long offset = constant(active.offset()) & 0xFFFF_FFFFL;
                long[] values = refs.get(e);
                if (offset + values.length > size) {
                    throw StoreTrap.of(TrapKind.OUT_OF_BOUNDS_TABLE);
                }
                for (int k = 0; k < values.length; k++) {
                    guest.putLong(entries + 8 * (offset + k), values[k]);
                }
            }
        }
    }

    private void layData() {
        var segments = module.dataSection().dataSegments();
        long records = store.data.take((long) ContextLayout.DATA_SEGMENT_BYTES * Math.max(1, segments.length), 16);
        put(ContextLayout.DATA_SEGMENTS, records);
        for (int i = 0; i < segments.length; i++) {
            boolean active = segments[i] instanceof ActiveDataSegment;
            byte[] bytes = segments[i].data();
            long at = active ? 0 : store.data.take(Math.max(1, bytes.length), 16);
            if (!active) {
                guest.put(at, bytes);
            }
            guest.putLong(records + 16L * i, at);
            guest.putLong(records + 16L * i + 8, active ? 0 : bytes.length);
        }
        for (var segment : segments) {
            if (segment instanceof ActiveDataSegment active) {
                long offset = constant(active.offsetInstructions()) & 0xFFFF_FFFFL;
                byte[] bytes = active.data();
                long base = guest.getLong(memory.record() + ContextLayout.MEMORY_BASE);
                long size = guest.getLong(memory.record() + ContextLayout.MEMORY_BYTES);
                if (offset + bytes.length > size) {
                    throw StoreTrap.of(TrapKind.OUT_OF_BOUNDS_MEMORY);
                }
                guest.put(base + offset, bytes);
            }
        }
    }

    private Map<String, Extern> exports() {
        Map<String, Extern> exports = new HashMap<>();
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            Export e = module.exportSection().getExport(i);
            int index = (int) e.index();
            Extern extern = switch (e.exportType()) {
                case FUNCTION -> function(index);
                case GLOBAL -> globals.get(index);
                case MEMORY -> memory;
                case TABLE -> tables.get(index);
                default -> throw new StoreException("export " + e.name() + " has kind " + e.exportType());
            };
            exports.put(e.name(), extern);
        }
        return exports;
    }

    private Extern.Function function(int f) {
        return new Extern.Function(codeBase + compiled.functionOffset(f), context,
                codeBase + compiled.entryOffset(f), compiled.functionType(f));
    }

    /** A constant expression's value as slot bits. */
    private long constant(List<Instruction> expr) {
        return ConstantExpressions.evaluate(expr, g -> guest.getLong(globals.get(g).cell()), this::descriptor);
    }

    private static long slotBits(ValType type, long bits) {
        return type.equals(ValType.I32) || type.equals(ValType.F32) ? bits & 0xFFFF_FFFFL : bits;
    }
}
