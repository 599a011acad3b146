package dev.keep.shim.compiler;

/**
 * Byte offsets of the VM context: the one block of memory compiled code reaches through R15. The
 * host (or the in-keep runtime) fills it before calling an entry trampoline and reads the trap code
 * and the memory size back afterwards. All fields are 8 bytes, little-endian.
 */
public final class ContextLayout {
    private ContextLayout() {
    }

    /**
     * Address of the memory record (shared by every instance that imports the memory), fields
     * {@link #MEMORY_BASE}, {@link #MEMORY_BYTES}, {@link #MEMORY_MAX_PAGES}. Unused (may be 0)
     * when the module has no memory.
     */
    public static final int MEMORY = 0;
    /** Memory record: address of linear memory byte 0 (cached in R14 while Wasm runs). */
    public static final int MEMORY_BASE = 0;
    /** Memory record: current size in bytes (cached in R13; memory.grow updates both). */
    public static final int MEMORY_BYTES = 8;
    /** Memory record: largest size in pages memory.grow may reach (declared max, reserved region). */
    public static final int MEMORY_MAX_PAGES = 16;
    /**
     * Memory record: the grow function guard-region code calls for memory.grow (0 for memories of
     * explicitly checked code, whose grow only raises the size). Called like an import, as
     * {@code int grow(Context* ctx, uint64_t* slots)}: slots[0] holds the page delta on entry and
     * receives the old size in pages or -1 (as u32); it makes the new pages accessible and updates
     * {@link #MEMORY_BYTES}; it returns 0 or a trap code.
     */
    public static final int MEMORY_GROW = 24;
    /** Bytes of a memory record. */
    public static final int MEMORY_RECORD_BYTES = 32;
    /**
     * Address of the runtime record: per-thread execution state shared by every instance that
     * runs on this thread and stack (so a call into another instance's function through a funcref
     * traps and checks the stack against the same record). Fields below (RT_*).
     */
    public static final int RUNTIME = 24;
    /** Runtime record: host RSP saved by the innermost entry trampoline; traps restore it. */
    public static final int RT_SAVED_RSP = 0;
    /** Runtime record: lowest RSP a function may start with, else "call stack exhausted". */
    public static final int RT_STACK_LIMIT = 8;
    /** Runtime record: RSP an entry trampoline starts Wasm code at (moved down during host calls). */
    public static final int RT_STACK_TOP = 16;
    /** Runtime record: trap code of the last call ({@link TrapKind#code()}), 0 when it returned. */
    public static final int RT_TRAP_CODE = 24;
    public static final int RUNTIME_RECORD_BYTES = 32;
    /**
     * Address of the function descriptors, one per function index, {@link #DESCRIPTOR_BYTES} each:
     * code address ({@link #DESCRIPTOR_CODE}), signature id ({@link #DESCRIPTOR_TYPE}, see {@link #TYPE_IDS}), the
     * owning instance's context ({@link #DESCRIPTOR_CONTEXT}). A funcref value is a descriptor's
     * address, so a funcref called from another instance runs with its own context.
     */
    public static final int FUNC_DESCRIPTORS = 80;
    /**
     * Address of the data segment records, {@link #DATA_SEGMENT_BYTES} each: 8 bytes address of the
     * segment's bytes, 8 bytes length (0 once dropped; active segments are dropped at instantiation).
     */
    public static final int DATA_SEGMENTS = 88;
    public static final int DATA_SEGMENT_BYTES = 16;
    /**
     * Address of the host function pointers, one per imported function. Each is called (System V,
     * on the host stack below SAVED_RSP) as {@code int host(Context* ctx, uint64_t* slots)}, where
     * slots[S-1-j] holds argument j on entry and receives result j (S = max(params, results)); it
     * returns 0 or a trap code. It may change MEMORY_BYTES (the code reloads it afterwards).
     */
    public static final int IMPORTS = 96;
    /**
     * Address of the element segment records, {@link #DATA_SEGMENT_BYTES} each like data segments:
     * address of the segment's reference values (8 bytes each), count (0 once dropped).
     */
    public static final int ELEM_SEGMENTS = 104;
    /**
     * Address of the type id table: for each type index of the module, 8 bytes holding the id its
     * signature has in this runtime (equal signatures, equal ids, across modules). Function
     * descriptors carry the id of their function's signature; call_indirect compares the two.
     */
    public static final int TYPE_IDS = 112;
    /**
     * First global: global i lives at GLOBALS + 8 * i. For an imported global that slot holds the
     * address of the exporter's cell instead (so mutable globals are shared).
     */
    public static final int GLOBALS = 128;

    /**
     * Table slots follow the globals, 8 bytes each: the address of the table's record (shared with
     * importers), {@link #TABLE_RECORD_BYTES} bytes: entry storage address ({@link #TABLE_BASE}),
     * current size ({@link #TABLE_SIZE}) and reserved entries ({@link #TABLE_MAX}: table.grow may
     * raise the size up to this).
     */
    public static final int TABLE_RECORD_BYTES = 24;
    public static final int TABLE_BASE = 0;
    public static final int TABLE_SIZE = 8;
    public static final int TABLE_MAX = 16;

    /** Offset of table t's slot (its record's address) in a context with this many globals. */
    public static int tableSlot(int globals, int t) {
        return GLOBALS + 8 * globals + 8 * t;
    }

    /** A table entry: one reference value (0 = null). */
    public static final int TABLE_ENTRY_BYTES = 8;
    public static final int DESCRIPTOR_BYTES = 32;
    public static final int DESCRIPTOR_CODE = 0;
    public static final int DESCRIPTOR_TYPE = 8;
    public static final int DESCRIPTOR_CONTEXT = 16;

    /** Context size for a module with the given number of globals and tables. */
    public static int size(int globals, int tables) {
        return tableSlot(globals, tables);
    }
}
