package dev.keep.shim.store;

import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.TableImport;
import dev.keep.shim.compiler.CompiledModule;
import dev.keep.shim.compiler.ContextLayout;
import dev.keep.shim.link.WasiRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host side of a store keep: instantiates compiled modules into the keep's arenas, resolves
 * their imports against the instances registered by name (as the spec's {@code register} does),
 * the {@code spectest} module and the keep's WASI preview1 runtime, and has the keep make the calls. One store, one keep, one thread
 * of Wasm execution; not thread-safe.
 */
public final class Store {
    /** How the store has the keep make a call; see docs/hostcall-abi.md, "AWAIT". */
    @FunctionalInterface
    public interface Calls {
        /**
         * Has the keep call {@code trampoline(context, values, function)} and returns its status
         * (0, or a trap code).
         *
         * @throws StoreException when the keep is gone (it faulted or was stopped); the store is
         *     then unusable
         */
        int call(long trampoline, long context, long values, long function);
    }

    static final long PAGE = 65536;
    /**
     * Pages reserved for a memory whose module declares no smaller maximum: growth beyond this
     * fails (memory.grow returns -1, which the spec allows at any size). 64 MiB keeps 60 such
     * memories in the 4 GiB arena.
     */
    static final long MEMORY_RESERVATION_PAGES = 1024;
    /**
     * Entries reserved for a table whose module declares no smaller maximum: table.grow beyond
     * fails (returns -1). The nil backend holds its tables to the same limit, so both backends
     * grow a table equally far.
     */
    public static final long TABLE_ENTRIES_MAX = 1L << 20;
    private static final String SPECTEST = "spectest";

    final GuestView guest;
    final Calls calls;
    final BumpArea code;
    final BumpArea data;
    final BumpArea large;
    final long runtimeRecord;
    private final Map<String, Extern> wasi;
    private final Map<String, Long> typeIds = new HashMap<>();
    private final Map<String, Map<String, Extern>> registered = new HashMap<>();
    private Map<String, Extern> spectest;

    /** @param guest the running store keep's memory, as {@code keep} laid it out */
    public Store(StoreKeep keep, GuestView guest, Calls calls) {
        this.guest = guest;
        this.calls = calls;
        this.code = new BumpArea("code arena", keep.codeStart(), keep.codeEnd());
        this.data = new BumpArea("data arena", keep.dataStart(), keep.dataEnd());
        this.large = new BumpArea("memory and table arena", keep.largeStart(), keep.largeEnd());
        this.runtimeRecord = keep.runtimeRecord();
        this.wasi = keep.wasiFunctions();
    }

    /**
     * Instantiates {@code compiled} (explicit bounds checks): links its imports, lays out its
     * code and state in the keep, applies its segments and runs its start function.
     *
     * @throws StoreLinkException when an import is unknown or does not match; nothing is written
     * @throws StoreTrap when a segment is out of bounds or the start function traps; what was
     *     written to shared tables and memories before stays, as the spec says
     */
    public StoreInstance instantiate(CompiledModule compiled) {
        if (compiled.options().usesGuardRegion()) {
            throw new IllegalArgumentException("a store keep runs code with explicit bounds checks only");
        }
        return new Instantiation(this, compiled, resolveImports(compiled)).run();
    }

    /** Makes the exports of {@code instance} importable from module {@code name}. */
    public void register(String name, StoreInstance instance) {
        registered.put(name, instance.exports());
    }

    /** Signature ids shared by every instance of the store: equal signatures, equal ids. */
    long typeId(FunctionType type) {
        return typeIds.computeIfAbsent(type.params() + "->" + type.returns(), k -> (long) typeIds.size() + 1);
    }

    /** Writes code into the code arena; its guest address. */
    long placeCode(byte[] bytes, long align) {
        long at = code.take(Math.max(1, bytes.length), align);
        guest.put(at, bytes);
        return at;
    }

    private List<Extern> resolveImports(CompiledModule compiled) {
        var imports = compiled.module().importSection();
        List<Extern> resolved = new ArrayList<>();
        int function = 0;
        for (int i = 0; i < imports.importCount(); i++) {
            var imp = imports.getImport(i);
            Extern found = exportsOf(imp.module()).get(imp.name());
            if (found == null) {
                throw StoreLinkException.unknown(imp.module(), imp.name());
            }
            switch (imp) {
                case FunctionImport f -> {
                    FunctionType wanted = compiled.functionType(function++);
                    if (!(found instanceof Extern.Function fn) || !fn.type().equals(wanted)) {
                        throw StoreLinkException.incompatible(imp.module(), imp.name());
                    }
                }
                case GlobalImport g -> {
                    boolean mutable = g.mutabilityType() == MutabilityType.Var;
                    if (!(found instanceof Extern.Global gl) || !gl.type().equals(g.type()) || gl.mutable() != mutable) {
                        throw StoreLinkException.incompatible(imp.module(), imp.name());
                    }
                }
                case MemoryImport m -> {
                    if (!(found instanceof Extern.Memory mem)) {
                        throw StoreLinkException.incompatible(imp.module(), imp.name());
                    }
                    long pages = guest.getLong(mem.record() + ContextLayout.MEMORY_BYTES) / PAGE;
                    StoreLinkException.checkLimits(imp.module(), imp.name(), pages, mem.declaredMax(),
                            m.limits().initialPages(), m.limits().maximumPages());
                }
                case TableImport t -> {
                    if (!(found instanceof Extern.Table table) || !table.elementType().equals(t.entryType())) {
                        throw StoreLinkException.incompatible(imp.module(), imp.name());
                    }
                    long size = guest.getLong(table.record() + ContextLayout.TABLE_SIZE);
                    StoreLinkException.checkLimits(imp.module(), imp.name(), size, table.declaredMax(),
                            t.limits().min(), t.limits().max());
                }
                default -> throw StoreLinkException.incompatible(imp.module(), imp.name());
            }
            resolved.add(found);
        }
        return resolved;
    }

    private Map<String, Extern> exportsOf(String module) {
        Map<String, Extern> exports = registered.get(module);
        if (exports != null) {
            return exports;
        }
        if (WasiRuntime.MODULE.equals(module)) {
            return wasi;
        }
        return SPECTEST.equals(module) ? spectest() : Map.of();
    }

    /** The {@code spectest} module, laid out on first use. */
    private Map<String, Extern> spectest() {
        if (spectest == null) {
            spectest = Spectest.layOut(this);
        }
        return spectest;
    }

    /** A memory record with its storage reserved in the large arena (fresh, so zero). */
    long newMemory(long initialPages, long declaredMax) {
        long reserved = Math.max(initialPages, Math.min(declaredMax, MEMORY_RESERVATION_PAGES));
        long record = data.take(ContextLayout.MEMORY_RECORD_BYTES, 16);
        long base = large.take(Math.max(PAGE, reserved * PAGE), PAGE);
        guest.putLong(record + ContextLayout.MEMORY_BASE, base);
        guest.putLong(record + ContextLayout.MEMORY_BYTES, initialPages * PAGE);
        guest.putLong(record + ContextLayout.MEMORY_MAX_PAGES, reserved);
        return record;
    }

    /** A table record with its entries reserved in the large arena, the first {@code size} set to {@code init}. */
    long newTable(long size, long declaredMax, long init) {
        long reserved = Math.max(size, Math.min(declaredMax, TABLE_ENTRIES_MAX));
        long record = data.take(ContextLayout.TABLE_RECORD_BYTES, 16);
        long entries = large.take(Math.max(8, reserved * ContextLayout.TABLE_ENTRY_BYTES), 4096);
        if (init != 0) {
            var bytes = java.nio.ByteBuffer.allocate(Math.toIntExact(8 * size)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < size; i++) {
                bytes.putLong(init);
            }
            guest.put(entries, bytes.array());
        }
        guest.putLong(record + ContextLayout.TABLE_BASE, entries);
        guest.putLong(record + ContextLayout.TABLE_SIZE, size);
        guest.putLong(record + ContextLayout.TABLE_MAX, reserved);
        return record;
    }
}
