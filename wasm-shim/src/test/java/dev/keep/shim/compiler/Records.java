package dev.keep.shim.compiler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Memory and table records (the shared, importable state compiled code reaches through the
 * context), with their storage reserved up front by mmap so growing never moves them.
 */
final class Records {
    static final long PAGE = 65536;
    /** Reservation: the whole 32-bit space (4 GiB, MAP_NORESERVE), so growth fails only where the spec says. */
    static final long MAX_RESERVED_PAGES = 65536;
    /** Table entries reserved for tables without a maximum (and the cap for those with one). */
    static final long MAX_TABLE_ENTRIES = 1L << 20;

    private Records() {
    }

    /**
     * A memory record plus its reserved storage (added to mappings; {@link #release} frees it). For
     * guard-region code (guarded) only the current size is accessible, in a slot of
     * {@link GuardRegions}; otherwise the whole reservation is read+write up front.
     */
    static MemorySegment memory(Arena arena, List<MemorySegment> mappings, long initialPages, long declaredMax,
            boolean guarded) {
        long maxPages = Math.min(declaredMax, MAX_RESERVED_PAGES);
        if (initialPages > maxPages) {
            throw new UnsupportedFeatureException("initial memory above the reservation");
        }
        if (guarded) {
            return GuardRegions.memory(arena, mappings, initialPages, maxPages);
        }
        MemorySegment storage = NativeMemory.map(Math.max(PAGE, maxPages * PAGE),
                NativeMemory.PROT_READ | NativeMemory.PROT_WRITE);
        mappings.add(storage);
        MemorySegment record = arena.allocate(ContextLayout.MEMORY_RECORD_BYTES, 16);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BASE, storage.address());
        record.set(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BYTES, initialPages * PAGE);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_MAX_PAGES, maxPages);
        return record;
    }

    /** Whether a memory record belongs to guard-region code (it then has a grow function). */
    static boolean guarded(MemorySegment record) {
        return record.reinterpret(ContextLayout.MEMORY_RECORD_BYTES)
                .get(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_GROW) != 0;
    }

    /** Gives back a mapping made for a record or for code: a guard-region slot, or an unmap. */
    static void release(MemorySegment mapping) {
        if (GuardRegions.owns(mapping)) {
            GuardRegions.release(mapping);
        } else {
            NativeMemory.unmap(mapping);
        }
    }

    /** The linear memory a record describes, sized to its current length. */
    static MemorySegment memoryBytes(MemorySegment record) {
        long base = record.get(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BASE);
        long size = record.get(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BYTES);
        return MemorySegment.ofAddress(base).reinterpret(size);
    }

    /** A table record plus its reserved storage, every entry set to init. */
    static MemorySegment table(Arena arena, List<MemorySegment> mappings, long size, long declaredMax, long init) {
        long max = Math.min(declaredMax, MAX_TABLE_ENTRIES);
        if (size > max) {
            throw new UnsupportedFeatureException("table larger than the reservation");
        }
        MemorySegment storage = NativeMemory.map(Math.max(4096, max * ContextLayout.TABLE_ENTRY_BYTES),
                NativeMemory.PROT_READ | NativeMemory.PROT_WRITE);
        mappings.add(storage);
        for (long i = 0; i < size; i++) {
            storage.setAtIndex(ValueLayout.JAVA_LONG, i, init);
        }
        MemorySegment record = arena.allocate(ContextLayout.TABLE_RECORD_BYTES, 16);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.TABLE_BASE, storage.address());
        record.set(ValueLayout.JAVA_LONG, ContextLayout.TABLE_SIZE, size);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.TABLE_MAX, max);
        return record;
    }

    static long tableSize(MemorySegment record) {
        return record.get(ValueLayout.JAVA_LONG, ContextLayout.TABLE_SIZE);
    }

    static MemorySegment tableEntries(MemorySegment record) {
        long base = record.get(ValueLayout.JAVA_LONG, ContextLayout.TABLE_BASE);
        return MemorySegment.ofAddress(base).reinterpret(tableSize(record) * ContextLayout.TABLE_ENTRY_BYTES);
    }
}
