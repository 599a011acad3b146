package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.TableImport;
import java.lang.foreign.MemorySegment;

/** Supplies imports to a {@link NativeInstance}; what a resolver does not override is an unknown import (LinkException). */
interface ImportResolver {
    /** The host implementation of an imported function; by default there is none. */
    default HostFunction function(String module, String name, FunctionType type) {
        throw new LinkException("unknown import " + module + "." + name);
    }

    /** The 8-byte cell holding the global's value (shared with the exporter); by default none. */
    default MemorySegment global(GlobalImport g) {
        throw new LinkException("unknown import " + g.module() + "." + g.name());
    }

    /** The memory record (see {@link ContextLayout#MEMORY}); by default none. */
    default MemorySegment memory(MemoryImport m) {
        throw new LinkException("unknown import " + m.module() + "." + m.name());
    }

    /** The table record (see {@link ContextLayout#TABLE_RECORD_BYTES}); by default none. */
    default MemorySegment table(TableImport t) {
        throw new LinkException("unknown import " + t.module() + "." + t.name());
    }

    /** Resolves nothing. */
    ImportResolver NONE = new ImportResolver() {
    };
}
