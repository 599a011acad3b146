package dev.keep.shim.store;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;

/** Something an instance exports, by guest address: what an importer links to. */
sealed interface Extern {

    /**
     * A function: how to call it from the host (its entry trampoline with its code and the
     * owner's context) and its type. A host thunk (trampoline 0) is code an import pointer
     * calls directly, with no instance behind it (the spectest functions).
     */
    record Function(long code, long context, long trampoline, FunctionType type) implements Extern {
        static Function hostThunk(long code, FunctionType type) {
            return new Function(code, 0, 0, type);
        }

        boolean isHostThunk() {
            return trampoline == 0;
        }
    }

    /** A global's 8-byte cell. */
    record Global(long cell, ValType type, boolean mutable) implements Extern {
    }

    /**
     * A linear memory's record ({@link dev.keep.shim.compiler.ContextLayout#MEMORY_BASE} and the
     * rest).
     *
     * @param declaredMax the maximum its module declared, in pages (65536 when none)
     */
    record Memory(long record, long declaredMax) implements Extern {
    }

    /**
     * A table's record.
     *
     * @param declaredMax the maximum its module declared, in entries
     */
    record Table(long record, ValType elementType, long declaredMax) implements Extern {
    }
}
