package dev.keep.shim.link;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.ActiveElement;
import com.dylibso.chicory.wasm.types.Element;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.PassiveElement;
import dev.keep.shim.compiler.CompiledModule;
import dev.keep.shim.compiler.ConstantExpressions;
import dev.keep.shim.compiler.ContextLayout;
import dev.keep.shim.compiler.UnsupportedFeatureException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The instantiated module as data: the compiler's context and every record it points at (memory,
 * runtime, function descriptors, type ids, import pointers, data and element segments, tables),
 * laid out in the data region at fixed addresses. Instantiation (globals, tables, element and data
 * segments) happens here, at link time, so the keep starts with a ready instance and its initial
 * state is part of the measured image. Code addresses are not known while the layout is made;
 * {@link #fillCode} writes them once the code is assembled.
 */
final class InstanceData {
    /** Table entries reserved beyond the initial size for table.grow (capped by the declared max). */
    static final long TABLE_GROW_ROOM = 1024;

    private final CompiledModule compiled;
    private final WasmModule module;
    private final DataRegion data;
    final long context;
    final long runtimeRecord;
    final long memoryRecord;
    private final long descriptors;
    private final long imports;
    /** Entry-trampoline argument / result words (the functions the runtime calls take none). */
    final long values;
    private final Map<String, Long> typeIds = new HashMap<>();
    private final long[] globals;

    InstanceData(CompiledModule compiled, DataRegion data, MemoryPlan memory, StackPlan stack) {
        this.compiled = compiled;
        this.module = compiled.module();
        this.data = data;
        context = data.reserve(compiled.contextSize(), 16);
        runtimeRecord = data.reserve(ContextLayout.RUNTIME_RECORD_BYTES, 16);
        memoryRecord = data.reserve(ContextLayout.MEMORY_RECORD_BYTES, 16);
        int functions = compiled.functionCount();
        descriptors = data.reserve((long) ContextLayout.DESCRIPTOR_BYTES * Math.max(1, functions), 16);
        imports = data.reserve(8L * Math.max(1, compiled.importedFunctionCount()), 16);
        values = data.reserve(16, 16);
        globals = new long[compiled.globalTypes().size()];

        data.putLong(context + ContextLayout.MEMORY, memoryRecord);
        data.putLong(context + ContextLayout.RUNTIME, runtimeRecord);
        data.putLong(context + ContextLayout.FUNC_DESCRIPTORS, descriptors);
        data.putLong(context + ContextLayout.IMPORTS, imports);
        // A module without memory gets a record of size 0, so every WASI pointer is out of range.
        data.putLong(memoryRecord + ContextLayout.MEMORY_BASE, memory.base());
        data.putLong(memoryRecord + ContextLayout.MEMORY_BYTES, memory.initialBytes());
        data.putLong(memoryRecord + ContextLayout.MEMORY_MAX_PAGES, memory.maxPages());
        data.putLong(runtimeRecord + ContextLayout.RT_STACK_LIMIT, stack.wasmStackLimit());
        data.putLong(runtimeRecord + ContextLayout.RT_STACK_TOP, stack.wasmStackTop());
        layTypeIds();
        layGlobals();
        layTables();
        layElements();
        layDataSegments();
    }

    /** Equal signatures get equal ids, numbered in order of first appearance. */
    private long typeId(FunctionType type) {
        return typeIds.computeIfAbsent(type.params() + "->" + type.returns(),
                k -> (long) typeIds.size() + 1);
    }

    private void layTypeIds() {
        int types = module.typeSection().typeCount();
        long table = data.reserve(8L * Math.max(1, types), 8);
        for (int t = 0; t < types; t++) {
            data.putLong(table + 8L * t, typeId(module.typeSection().getType(t)));
        }
        data.putLong(context + ContextLayout.TYPE_IDS, table);
    }

    private void layGlobals() {
        var defined = module.globalSection().globals();
        for (int g = 0; g < defined.length; g++) {
            globals[g] = constant(defined[g].initInstructions(), "global " + g);
            data.putLong(context + compiled.globalSlotOffset(g), globals[g]);
        }
    }

    private final java.util.ArrayList<long[]> tables = new java.util.ArrayList<>();

    /** Each table: record {entries, size, reserved} and its entries, all in the data region. */
    private void layTables() {
        for (int t = 0; t < module.tableSection().tableCount(); t++) {
            var table = module.tableSection().getTable(t);
            long initial = table.limits().min();
            long reserved = Math.max(initial, Math.min(table.limits().max(), initial + TABLE_GROW_ROOM));
            var init = table.initialize();
            long initValue = init == null || init.isEmpty() ? 0 : constant(init, "table " + t);
            long record = data.reserve(ContextLayout.TABLE_RECORD_BYTES, 16);
            long entries = data.reserve(ContextLayout.TABLE_ENTRY_BYTES * Math.max(1, reserved), 16);
            for (long i = 0; i < initial && initValue != 0; i++) {
                data.putLong(entries + 8 * i, initValue);
            }
            data.putLong(record + ContextLayout.TABLE_BASE, entries);
            data.putLong(record + ContextLayout.TABLE_SIZE, initial);
            data.putLong(record + ContextLayout.TABLE_MAX, reserved);
            data.putLong(context + compiled.tableSlotOffset(t), record);
            tables.add(new long[] {entries, initial});
        }
    }

    /**
     * Element segment records; active segments are applied to their table here and count as
     * dropped, as after instantiation.
     */
    private void layElements() {
        Element[] elements = module.elementSection().elements();
        long records = data.reserve((long) ContextLayout.DATA_SEGMENT_BYTES * Math.max(1, elements.length), 16);
        data.putLong(context + ContextLayout.ELEM_SEGMENTS, records);
        for (int e = 0; e < elements.length; e++) {
            List<List<Instruction>> inits = elements[e].initializers();
            long[] refs = new long[inits.size()];
            long refsAddress = data.reserve(8L * Math.max(1, refs.length), 16);
            for (int k = 0; k < refs.length; k++) {
                refs[k] = constant(inits.get(k), "element segment " + e);
                data.putLong(refsAddress + 8L * k, refs[k]);
            }
            boolean passive = elements[e] instanceof PassiveElement;
            data.putLong(records + 16L * e, refsAddress);
            data.putLong(records + 16L * e + 8, passive ? refs.length : 0);
            if (elements[e] instanceof ActiveElement active) {
                long[] table = tables.get(active.tableIndex());
                long offset = constant(active.offset(), "element segment " + e) & 0xFFFF_FFFFL;
                if (offset + refs.length > table[1]) {
                    throw new LinkException("element segment " + e + " is outside table "
                            + active.tableIndex() + " (out of bounds table access at instantiation)");
                }
                for (int k = 0; k < refs.length; k++) {
                    data.putLong(table[0] + 8 * (offset + k), refs[k]);
                }
            }
        }
    }

    /** Data segment records; the bytes of passive ones live in the data region. */
    private void layDataSegments() {
        var segments = module.dataSection().dataSegments();
        long records = data.reserve((long) ContextLayout.DATA_SEGMENT_BYTES * Math.max(1, segments.length), 16);
        data.putLong(context + ContextLayout.DATA_SEGMENTS, records);
        for (int i = 0; i < segments.length; i++) {
            boolean active = segments[i] instanceof ActiveDataSegment;
            byte[] bytes = segments[i].data();
            long address = active ? 0 : data.put(bytes, 16);
            data.putLong(records + 16L * i, address);
            data.putLong(records + 16L * i + 8, active ? 0 : bytes.length);
        }
    }

    /** Offset in linear memory of an active data segment. */
    long dataSegmentOffset(ActiveDataSegment segment, int index) {
        return constant(segment.offsetInstructions(), "data segment " + index) & 0xFFFF_FFFFL;
    }

    /** Evaluates a constant expression to its slot bits. */
    private long constant(List<Instruction> expr, String what) {
        try {
            return ConstantExpressions.evaluate(expr, g -> globals[g],
                    f -> descriptors + (long) ContextLayout.DESCRIPTOR_BYTES * f);
        } catch (UnsupportedFeatureException e) {
            throw new LinkException(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the code addresses: each function's descriptor, and each import's pointer to its WASI
     * routine.
     *
     * @param moduleCode absolute address of the compiled module's first byte
     * @param importTargets absolute address of the routine behind each imported function
     */
    void fillCode(long moduleCode, long[] importTargets) {
        for (int f = 0; f < compiled.functionCount(); f++) {
            long d = descriptors + (long) ContextLayout.DESCRIPTOR_BYTES * f;
            data.putLong(d + ContextLayout.DESCRIPTOR_CODE, moduleCode + compiled.functionOffset(f));
            data.putLong(d + ContextLayout.DESCRIPTOR_TYPE, typeId(compiled.functionType(f)));
            data.putLong(d + ContextLayout.DESCRIPTOR_CONTEXT, context);
        }
        for (int i = 0; i < importTargets.length; i++) {
            data.putLong(imports + 8L * i, importTargets[i]);
        }
    }

    /** Where linear memory lives and how far it may grow. */
    record MemoryPlan(long base, long initialBytes, long maxPages, long committedBytes) {
    }

    /** The Wasm stack inside the image's stack region (the runtime's own stack is above it). */
    record StackPlan(long wasmStackTop, long wasmStackLimit) {
    }
}
