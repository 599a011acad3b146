package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.TableImport;
import java.lang.foreign.MemorySegment;

/** Supplies imports to a {@link NativeInstance}; unsupported ones throw UnsupportedFeatureException. */
interface ImportResolver {
    HostFunction function(String module, String name, FunctionType type);

    /** The 8-byte cell holding the global's value (shared with the exporter). */
    MemorySegment global(GlobalImport global);

    /** The memory record (see {@link ContextLayout#MEMORY}). */
    MemorySegment memory(MemoryImport memory);

    /** The table record (see {@link ContextLayout#TABLE_RECORD_BYTES}). */
    MemorySegment table(TableImport table);

    /** Resolves nothing. */
    ImportResolver NONE = new ImportResolver() {
        @Override
        public HostFunction function(String module, String name, FunctionType type) {
            throw new LinkException("unknown import " + module + "." + name);
        }

        @Override
        public MemorySegment global(GlobalImport g) {
            throw new LinkException("unknown import " + g.module() + "." + g.name());
        }

        @Override
        public MemorySegment memory(MemoryImport m) {
            throw new LinkException("unknown import " + m.module() + "." + m.name());
        }

        @Override
        public MemorySegment table(TableImport t) {
            throw new LinkException("unknown import " + t.module() + "." + t.name());
        }
    };
}
