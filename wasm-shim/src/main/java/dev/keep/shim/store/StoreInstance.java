package dev.keep.shim.store;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.compiler.ContextLayout;
import java.util.Map;
import java.util.Optional;

/**
 * An instance in a store keep, as the host sees it: its exports by name, calls made by the keep,
 * globals and memory read and written in the keep's memory while the keep waits for its next
 * call. Values are slot bits (an i32 or f32 zero-extended; a reference is its keep value, 0 null).
 */
public final class StoreInstance {
    private final Store store;
    private final Map<String, Extern> exports;
    /** Argument / result words of the host's calls into this instance. */
    private final long values;

    StoreInstance(Store store, Map<String, Extern> exports, long values) {
        this.store = store;
        this.exports = Map.copyOf(exports);
        this.values = values;
    }

    Map<String, Extern> exports() {
        return exports;
    }

    /** The type of exported function {@code name}, if it exports one. */
    public Optional<FunctionType> functionType(String name) {
        return exports.get(name) instanceof Extern.Function f ? Optional.of(f.type()) : Optional.empty();
    }

    /**
     * Calls exported function {@code name}.
     *
     * @throws StoreTrap when it traps (the keep goes on)
     * @throws StoreException when there is no such function or the argument count is wrong
     */
    public long[] invoke(String name, long... args) {
        if (!(exports.get(name) instanceof Extern.Function f)) {
            throw new StoreException("no exported function " + name);
        }
        if (args.length != f.type().params().size()) {
            throw new StoreException(name + " takes " + f.type().params().size() + " arguments, got " + args.length);
        }
        return call(f, args);
    }

    long[] call(Extern.Function f, long[] args) {
        // Every export is the module's own code (a re-exported import is its compiled import
        // adapter), so it always has an entry trampoline; host thunks are never called from here.
        FunctionType type = f.type();
        for (int i = 0; i < args.length; i++) {
            store.guest.putLong(values + 8L * i, slotBits(type.params().get(i), args[i]));
        }
        int status = store.calls.call(f.trampoline(), f.context(), values, f.code());
        if (status != 0) {
            throw StoreTrap.ofStatus(status);
        }
        long[] results = new long[type.returns().size()];
        for (int k = 0; k < results.length; k++) {
            results[k] = slotBits(type.returns().get(k), store.guest.getLong(values + 8L * k));
        }
        return results;
    }

    /** Type of exported global {@code name}, if it exports one. */
    public Optional<ValType> globalType(String name) {
        return exports.get(name) instanceof Extern.Global g ? Optional.of(g.type()) : Optional.empty();
    }

    /** @throws StoreException when there is no such global */
    public long global(String name) {
        Extern.Global g = global0(name);
        return slotBits(g.type(), store.guest.getLong(g.cell()));
    }

    /** @throws StoreException when there is no such global or it is immutable */
    public void setGlobal(String name, long bits) {
        Extern.Global g = global0(name);
        if (!g.mutable()) {
            throw new StoreException("global " + name + " is immutable");
        }
        store.guest.putLong(g.cell(), slotBits(g.type(), bits));
    }

    private Extern.Global global0(String name) {
        if (!(exports.get(name) instanceof Extern.Global g)) {
            throw new StoreException("no exported global " + name);
        }
        return g;
    }

    /** Names of the exported memories (a Wasm 2.0 module has at most one memory, exported under any names). */
    public java.util.List<String> memoryNames() {
        return exports.entrySet().stream().filter(e -> e.getValue() instanceof Extern.Memory)
                .map(Map.Entry::getKey).sorted().toList();
    }

    /** @throws StoreException when there is no such memory */
    public StoreMemory memory(String name) {
        if (!(exports.get(name) instanceof Extern.Memory m)) {
            throw new StoreException("no exported memory " + name);
        }
        return new StoreMemory(store.guest, m.record());
    }

    private static long slotBits(ValType type, long bits) {
        return type.equals(ValType.I32) || type.equals(ValType.F32) ? bits & 0xFFFF_FFFFL : bits;
    }

    /** A linear memory read and written in place; its size is read from its record each time. */
    public record StoreMemory(GuestView guest, long record) {
        public long byteSize() {
            return guest.getLong(record + ContextLayout.MEMORY_BYTES);
        }

        /** @throws StoreException when the range is outside the memory */
        public byte[] read(long offset, int length) {
            check(offset, length);
            return guest.get(base() + offset, length);
        }

        /** @throws StoreException when the range is outside the memory */
        public void write(long offset, byte[] bytes) {
            check(offset, bytes.length);
            guest.put(base() + offset, bytes);
        }

        private long base() {
            return guest.getLong(record + ContextLayout.MEMORY_BASE);
        }

        private void check(long offset, long length) {
            long size = byteSize();
            if (offset < 0 || length < 0 || offset > size || length > size - offset) {
                throw new StoreException(length + " bytes at offset " + offset + " are outside the memory of "
                        + size + " bytes");
            }
        }
    }
}
