package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.ActiveElement;
import com.dylibso.chicory.wasm.types.Element;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.WasmModule;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link CompiledModule} natively in this process: code mapped read+execute, linear memory
 * reserved up front (grow only moves the size), a private 8 MiB Wasm stack, the context and table in
 * an arena. Calls go through the module's entry trampolines; traps come back as return codes.
 */
final class NativeInstance implements AutoCloseable {

    private final CompiledModule compiled;
    private final WasmModule module;
    private final Arena arena = Arena.ofConfined();
    /** Every mmap'd region, unmapped by close() (also when the constructor fails half-way). */
    private final List<MemorySegment> mappings = new java.util.ArrayList<>();
    private final MemorySegment code;
    private MemorySegment memoryRecord = MemorySegment.NULL;
    private final List<MemorySegment> tableRecords = new java.util.ArrayList<>();
    private final List<MemorySegment> globalCells = new java.util.ArrayList<>();
    private final MemorySegment context;
    private final MemorySegment values;
    private final MemorySegment descriptors;
    private final Map<Integer, MethodHandle> entries = new HashMap<>();
    private final Map<String, Export> exports = new HashMap<>();

    /** A standalone instance with its own runtime and no imports. */
    NativeInstance(CompiledModule compiled) throws WasmTrap {
        this(compiled, ImportResolver.NONE, null, null);
    }

    private final ImportResolver resolver;
    private final NativeRuntime runtime;
    /** Set when this instance created (and so closes) its runtime. */
    private final boolean ownsRuntime;

    /**
     * @param owner when not null, this instance adds itself to it first and leaves closing to the
     *     owner even if instantiation fails: element segments written before a failing one stay in
     *     imported tables and point at this instance's code (Wasm 2.0 semantics)
     */
    NativeInstance(CompiledModule compiled, ImportResolver resolver, NativeRuntime sharedRuntime,
            List<NativeInstance> owner) throws WasmTrap {
        if (owner != null) {
            owner.add(this);
        }
        this.compiled = compiled;
        this.resolver = resolver;
        this.ownsRuntime = sharedRuntime == null;
        this.runtime = ownsRuntime ? new NativeRuntime() : sharedRuntime;
        this.module = compiled.module();
        byte[] bytes = compiled.code();
        if (guarded()) {
            // Where the fault handler recognises guard-region code.
            this.code = GuardRegions.code(bytes, mappings);
        } else {
            MemorySegment c = map(Math.max(4096, roundUp(bytes.length, 4096)));
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, c, 0, bytes.length);
            NativeMemory.protect(c, NativeMemory.PROT_READ | NativeMemory.PROT_EXEC);
            this.code = c;
        }
        this.context = arena.allocate(compiled.contextSize(), 16);
        this.values = arena.allocate(8L * 1024, 16);
        int functions = compiled.functionCount();
        this.descriptors = arena.allocate(Math.max(1, functions) * (long) ContextLayout.DESCRIPTOR_BYTES, 16);
        try {
            instantiate();
        } catch (WasmTrap | RuntimeException | Error e) {
            if (owner == null) {
                close();
            }
            throw e;
        }
    }

    /** Whether the code was compiled without bounds checks, for guard-region memory. */
    boolean guarded() {
        return compiled.options().usesGuardRegion();
    }

    private MemorySegment map(long size) {
        MemorySegment m = NativeMemory.map(size, NativeMemory.PROT_READ | NativeMemory.PROT_WRITE);
        mappings.add(m);
        return m;
    }

    private void instantiate() throws WasmTrap {
        List<ValType> globals = compiled.globalTypes();
        int functions = compiled.functionCount();
        for (int f = 0; f < functions; f++) {
            long codeAddress = code.address() + compiled.functionOffset(f);
            long d = (long) ContextLayout.DESCRIPTOR_BYTES * f;
            descriptors.set(ValueLayout.JAVA_LONG, d + ContextLayout.DESCRIPTOR_CODE, codeAddress);
            descriptors.set(ValueLayout.JAVA_LONG, d + ContextLayout.DESCRIPTOR_TYPE, typeId(compiled.functionType(f)));
            descriptors.set(ValueLayout.JAVA_LONG, d + ContextLayout.DESCRIPTOR_CONTEXT, context.address());
        }
        context.set(ValueLayout.JAVA_LONG, ContextLayout.FUNC_DESCRIPTORS, descriptors.address());
        int types = module.typeSection().typeCount();
        MemorySegment typeIds = arena.allocate(Math.max(1, types) * 8L, 8);
        for (int t = 0; t < types; t++) {
            typeIds.setAtIndex(ValueLayout.JAVA_LONG, t, typeId(module.typeSection().getType(t)));
        }
        context.set(ValueLayout.JAVA_LONG, ContextLayout.TYPE_IDS, typeIds.address());
        linkImports();
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            Export e = module.exportSection().getExport(i);
            exports.put(e.name(), e);
        }
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            if (imp.importType() == ExternalType.MEMORY) {
                memoryRecord = resolver.memory((com.dylibso.chicory.wasm.types.MemoryImport) imp);
                if (Records.guarded(memoryRecord) != guarded()) {
                    // Unchecked code on a fully mapped memory would reach past its size; checked
                    // code on a guarded memory would grow it without mapping the pages.
                    throw new IllegalStateException("harness misuse: a module compiled with "
                            + compiled.options().boundsChecks() + " bounds checks imports a memory made for the other mode");
                }
            } else if (imp.importType() == ExternalType.TABLE) {
                tableRecords.add(resolver.table((com.dylibso.chicory.wasm.types.TableImport) imp));
            }
        }
        if (module.memorySection().isPresent() && module.memorySection().get().memoryCount() > 0) {
            MemoryLimits limits = module.memorySection().get().getMemory(0).limits();
            memoryRecord = Records.memory(arena, mappings, limits.initialPages(), limits.maximumPages(), guarded());
        }
        context.set(ValueLayout.JAVA_LONG, ContextLayout.MEMORY, memoryRecord.address());
        context.set(ValueLayout.JAVA_LONG, ContextLayout.RUNTIME, runtime.address());
        initGlobals(globals);
        initTable();
        initData();
        if (module.startSection().isPresent()) {
            int start = (int) module.startSection().get().startIndex();
            call(start, new long[0]);
        }
    }

    private static long roundUp(long v, long m) {
        return (v + m - 1) / m * m;
    }

    private void initGlobals(List<ValType> types) {
        int g = 0;
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            if (imp instanceof GlobalImport gi) {
                MemorySegment cell = resolver.global(gi).reinterpret(8);
                context.set(ValueLayout.JAVA_LONG, compiled.globalSlotOffset(g++), cell.address());
                globalCells.add(cell);
            }
        }
        for (var global : module.globalSection().globals()) {
            long value = constant(global.initInstructions());
            MemorySegment cell = context.asSlice(compiled.globalSlotOffset(g++), 8);
            cell.set(ValueLayout.JAVA_LONG, 0, value);
            globalCells.add(cell);
        }
    }

    /** The cell of global i (for an imported global: the exporter's cell). */
    MemorySegment globalCell(int index) {
        return globalCells.get(index);
    }

    long global(int index) {
        return globalCells.get(index).get(ValueLayout.JAVA_LONG, 0);
    }

    /** Declared maximum of the memory (imported or defined), MAX_PAGES when none. */
    long memoryMaxPages() {
        for (int i = 0; i < module.importSection().importCount(); i++) {
            if (module.importSection().getImport(i) instanceof com.dylibso.chicory.wasm.types.MemoryImport m) {
                return m.limits().maximumPages();
            }
        }
        return module.memorySection().get().getMemory(0).limits().maximumPages();
    }

    /** Element type and declared maximum of table t (imported or defined). */
    com.dylibso.chicory.wasm.types.TableImport tableType(int t) {
        int seen = 0;
        for (int i = 0; i < module.importSection().importCount(); i++) {
            if (module.importSection().getImport(i) instanceof com.dylibso.chicory.wasm.types.TableImport ti) {
                if (seen++ == t) {
                    return ti;
                }
            }
        }
        var table = module.tableSection().getTable(t - seen);
        return new com.dylibso.chicory.wasm.types.TableImport("", "", table.elementType(), table.limits());
    }

    /** Type and mutability of global g (imported or defined). */
    GlobalImport globalType(int g) {
        int seen = 0;
        for (int i = 0; i < module.importSection().importCount(); i++) {
            if (module.importSection().getImport(i) instanceof GlobalImport gi) {
                if (seen++ == g) {
                    return gi;
                }
            }
        }
        var global = module.globalSection().getGlobal(g - seen);
        return new GlobalImport("", "", global.mutabilityType(), global.valueType());
    }

    MemorySegment memoryRecord() {
        return memoryRecord;
    }

    MemorySegment tableRecord(int t) {
        return tableRecords.get(t);
    }

    /** Index of an export of this kind, or -1. */
    int exported(String name, ExternalType kind) {
        Export e = exports.get(name);
        return e != null && e.exportType() == kind ? e.index() : -1;
    }

    /** Evaluates a constant expression to slot bits. */
    private long constant(List<Instruction> expr) {
        Instruction ins = expr.get(0);
        return switch (ins.opcode()) {
            case I32_CONST, F32_CONST -> ins.operand(0) & 0xFFFF_FFFFL;
            case I64_CONST, F64_CONST -> ins.operand(0);
            case GLOBAL_GET -> global((int) ins.operand(0));
            case REF_NULL -> 0L;
            case REF_FUNC -> funcRef((int) ins.operand(0));
            default -> throw new UnsupportedFeatureException("constant expression " + ins.opcode());
        };
    }

    /** Signature ids shared by every instance in this process: equal signatures, equal ids. */
    private static final Map<String, Long> TYPE_IDS = new java.util.concurrent.ConcurrentHashMap<>();

    static long typeId(FunctionType type) {
        String key = type.params() + "->" + type.returns();
        return TYPE_IDS.computeIfAbsent(key, k -> (long) TYPE_IDS.size() + 1);
    }

    private long funcRef(int f) {
        return descriptors.address() + (long) ContextLayout.DESCRIPTOR_BYTES * f;
    }

    private static final MethodHandle DISPATCH;

    static {
        try {
            DISPATCH = java.lang.invoke.MethodHandles.lookup().findStatic(NativeInstance.class, "dispatch",
                    java.lang.invoke.MethodType.methodType(int.class, HostFunction.class, FunctionType.class,
                            MemorySegment.class, MemorySegment.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Resolves every imported function to an upcall stub and fills the context's IMPORTS array. */
    private void linkImports() {
        int n = compiled.importedFunctionCount();
        MemorySegment pointers = arena.allocate(Math.max(1, n) * 8L, 16);
        context.set(ValueLayout.JAVA_LONG, ContextLayout.IMPORTS, pointers.address());
        int f = 0;
        for (int i = 0; i < module.importSection().importCount(); i++) {
            if (!(module.importSection().getImport(i) instanceof com.dylibso.chicory.wasm.types.FunctionImport fi)) {
                continue;
            }
            FunctionType type = compiled.functionType(f);
            HostFunction fn = resolver.function(fi.module(), fi.name(), type);
            MethodHandle target = java.lang.invoke.MethodHandles.insertArguments(DISPATCH, 0, fn, type);
            MemorySegment stub = Linker.nativeLinker().upcallStub(target,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), arena);
            pointers.setAtIndex(ValueLayout.JAVA_LONG, f, stub.address());
            f++;
        }
    }

    /**
     * The upcall behind every import. It must never throw (an exception escaping an upcall ends the
     * JVM), so every failure becomes a trap code.
     */
    private static int dispatch(HostFunction fn, FunctionType type, MemorySegment ctx, MemorySegment slotsAddress) {
        try {
            int np = type.params().size();
            int nr = type.returns().size();
            int slots = Math.max(np, nr);
            MemorySegment values = slotsAddress.reinterpret(8L * slots);
            long[] args = new long[np];
            for (int j = 0; j < np; j++) {
                args[j] = values.getAtIndex(ValueLayout.JAVA_LONG, slots - 1 - j);
            }
            long[] results = fn.apply(args);
            for (int k = 0; k < nr; k++) {
                ValType t = type.returns().get(k);
                long v = t.equals(ValType.I32) || t.equals(ValType.F32) ? results[k] & 0xFFFF_FFFFL : results[k];
                values.setAtIndex(ValueLayout.JAVA_LONG, slots - 1 - k, v);
            }
            return 0;
        } catch (WasmTrap t) {
            for (TrapKind k : TrapKind.values()) {
                if (k.message().equals(t.getMessage())) {
                    return k.code();
                }
            }
            return TrapKind.HOST_FAILURE.code();
        } catch (Throwable t) {
            return TrapKind.HOST_FAILURE.code();
        }
    }


    private void initTable() throws WasmTrap {
        for (int t = 0; t < module.tableSection().tableCount(); t++) {
            var table = module.tableSection().getTable(t);
            var init = table.initialize();
            long initValue = init == null || init.isEmpty() ? 0 : constant(init);
            tableRecords.add(Records.table(arena, mappings, table.limits().min(), table.limits().max(), initValue));
        }
        for (int t = 0; t < tableRecords.size(); t++) {
            context.set(ValueLayout.JAVA_LONG, compiled.tableSlotOffset(t), tableRecords.get(t).address());
        }
        Element[] elements = module.elementSection().elements();
        MemorySegment records = arena.allocate(Math.max(1, elements.length) * (long) ContextLayout.DATA_SEGMENT_BYTES, 16);
        context.set(ValueLayout.JAVA_LONG, ContextLayout.ELEM_SEGMENTS, records.address());
        for (int e = 0; e < elements.length; e++) {
            List<List<Instruction>> inits = elements[e].initializers();
            MemorySegment refs = arena.allocate(Math.max(1, inits.size()) * 8L, 16);
            for (int k = 0; k < inits.size(); k++) {
                refs.setAtIndex(ValueLayout.JAVA_LONG, k, constant(inits.get(k)));
            }
            records.set(ValueLayout.JAVA_LONG, 16L * e, refs.address());
            // Only passive segments stay available to table.init; active and declarative ones are dropped.
            boolean passive = elements[e] instanceof com.dylibso.chicory.wasm.types.PassiveElement;
            records.set(ValueLayout.JAVA_LONG, 16L * e + 8, passive ? inits.size() : 0);
        }
        for (Element el : module.elementSection().elements()) {
            if (!(el instanceof ActiveElement active)) {
                continue;
            }
            MemorySegment record = tableRecords.get(active.tableIndex());
            MemorySegment table = Records.tableEntries(record);
            long size = Records.tableSize(record);
            long offset = constant(active.offset()) & 0xFFFF_FFFFL;
            List<List<Instruction>> inits = active.initializers();
            if (offset + inits.size() > size) {
                throw new WasmTrap("out of bounds table access");
            }
            for (int k = 0; k < inits.size(); k++) {
                table.setAtIndex(ValueLayout.JAVA_LONG, offset + k, constant(inits.get(k)));
            }
        }
    }

    private void initData() throws WasmTrap {
        var segments = module.dataSection().dataSegments();
        MemorySegment records = arena.allocate(Math.max(1, segments.length) * (long) ContextLayout.DATA_SEGMENT_BYTES, 16);
        context.set(ValueLayout.JAVA_LONG, ContextLayout.DATA_SEGMENTS, records.address());
        for (int i = 0; i < segments.length; i++) {
            byte[] data = segments[i].data();
            MemorySegment copy = arena.allocate(Math.max(1, data.length), 16);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, copy, 0, data.length);
            records.set(ValueLayout.JAVA_LONG, 16L * i, copy.address());
            // Active segments count as dropped once instantiation has copied them.
            records.set(ValueLayout.JAVA_LONG, 16L * i + 8, segments[i] instanceof ActiveDataSegment ? 0 : data.length);
        }
        for (var seg : segments) {
            if (!(seg instanceof ActiveDataSegment active)) {
                continue;
            }
            long offset = constant(active.offsetInstructions()) & 0xFFFF_FFFFL;
            byte[] data = active.data();
            MemorySegment memory = Records.memoryBytes(memoryRecord);
            long size = memory.byteSize();
            if (offset + data.length > size) {
                throw new WasmTrap("out of bounds memory access");
            }
            MemorySegment.copy(MemorySegment.ofArray(data), 0, memory, offset, data.length);
        }
    }

    /** Index of an exported function, or -1. */
    int exportedFunction(String name) {
        Export e = exports.get(name);
        return e != null && e.exportType() == ExternalType.FUNCTION ? e.index() : -1;
    }

    /** Index of an exported global, or -1. */
    int exportedGlobal(String name) {
        Export e = exports.get(name);
        return e != null && e.exportType() == ExternalType.GLOBAL ? e.index() : -1;
    }

    FunctionType functionType(int index) {
        return compiled.functionType(index);
    }

    long[] invoke(String export, long... args) throws WasmTrap {
        int f = exportedFunction(export);
        if (f < 0) {
            throw new IllegalArgumentException("no exported function " + export);
        }
        return call(f, args);
    }

    /** Calls a function with raw slot values (i32 / f32 zero-extended); throws on a trap. */
    long[] call(int function, long[] args) throws WasmTrap {
        FunctionType type = compiled.functionType(function);
        for (int i = 0; i < args.length; i++) {
            ValType t = type.params().get(i);
            long v = t.equals(ValType.I32) || t.equals(ValType.F32) ? args[i] & 0xFFFF_FFFFL : args[i];
            values.setAtIndex(ValueLayout.JAVA_LONG, i, v);
        }
        int status;
        try {
            status = (int) entry(compiled.entryOffset(function)).invokeExact(context, values,
                    code.asSlice(compiled.functionOffset(function)));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (status != 0) {
            TrapKind kind = TrapKind.ofCode(status);
            throw new WasmTrap(kind == null ? "unknown trap " + status : kind.message());
        }
        long[] results = new long[type.returns().size()];
        for (int k = 0; k < results.length; k++) {
            results[k] = values.getAtIndex(ValueLayout.JAVA_LONG, k);
        }
        return results;
    }

    private MethodHandle entry(int offset) {
        return entries.computeIfAbsent(offset, o -> Linker.nativeLinker().downcallHandle(code.asSlice(o),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS)));
    }

    long memoryBytes() {
        return memoryRecord.get(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BYTES);
    }

    @Override
    public void close() {
        for (MemorySegment m : mappings) {
            Records.release(m);
        }
        mappings.clear();
        if (ownsRuntime) {
            runtime.close();
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
