package dev.keep.shim.compiler;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Where guard-region code and memory live when the native harness runs them: two address ranges
 * reserved once per process (inaccessible, MAP_NORESERVE), so that {@link GuardFaultHandler} can tell
 * a Wasm out-of-bounds access from any other fault by two range checks.
 *
 * <p>Memories: slots of {@link CompilerOptions#GUARD_REGION_BYTES} (8 GiB) each, of which only the
 * current size is read+write; a closed memory's slot is wiped and reused. Code: mapped read+execute
 * from a bump-allocated range (address space is cheap; pages are dropped on release). The grow
 * function compiled code calls for memory.grow ({@link ContextLayout#MEMORY_GROW}) is one upcall
 * for every guarded memory of the process.
 */
final class GuardRegions {
    private static final long SLOT_BYTES = CompilerOptions.GUARD_REGION_BYTES;
    /** 8 TiB of the 128 TiB user address space: more memories than any test keeps open at once. */
    private static final int SLOTS = 1024;
    private static final long CODE_BYTES = 64L << 30;
    private static final long HOST_PAGE = 4096;

    private static long memoryStart;
    private static long codeStart;
    private static long codeNext;
    private static int slotsUsed;
    private static final Deque<Long> freeSlots = new ArrayDeque<>();
    private static MemorySegment growFunction;

    private GuardRegions() {
    }

    /** [start, end) of the memory slots, reserving them on first use. */
    static synchronized long[] memoryRange() {
        reserve();
        return new long[] {memoryStart, memoryStart + SLOTS * SLOT_BYTES};
    }

    /** [start, end) of the code range, reserving it on first use. */
    static synchronized long[] codeRange() {
        reserve();
        return new long[] {codeStart, codeStart + CODE_BYTES};
    }

    private static void reserve() {
        if (memoryStart != 0) {
            return;
        }
        memoryStart = NativeMemory.map(SLOTS * SLOT_BYTES, NativeMemory.PROT_NONE).address();
        codeStart = NativeMemory.map(CODE_BYTES, NativeMemory.PROT_NONE).address();
        codeNext = codeStart;
        try {
            var grow = MethodHandles.lookup().findStatic(GuardRegions.class, "grow",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class));
            growFunction = Linker.nativeLinker().upcallStub(grow,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                    Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        GuardFaultHandler.install(memoryStart, memoryStart + SLOTS * SLOT_BYTES, codeStart, codeStart + CODE_BYTES);
    }

    /**
     * A memory record for guard-region code: a fresh slot with the first initialPages accessible.
     * The slot is added to mappings; {@link #release} gives it back.
     */
    static synchronized MemorySegment memory(Arena arena, List<MemorySegment> mappings, long initialPages,
            long maxPages) {
        reserve();
        long slot;
        if (!freeSlots.isEmpty()) {
            slot = freeSlots.pop();
        } else if (slotsUsed < SLOTS) {
            slot = memoryStart + slotsUsed++ * SLOT_BYTES;
        } else {
            throw new IllegalStateException("all " + SLOTS + " guard-region memory slots are in use");
        }
        MemorySegment storage = MemorySegment.ofAddress(slot).reinterpret(SLOT_BYTES);
        mappings.add(storage);
        long bytes = initialPages * Records.PAGE;
        if (bytes > 0 && !NativeMemory.tryProtect(slot, bytes, NativeMemory.PROT_READ | NativeMemory.PROT_WRITE)) {
            throw new IllegalStateException("mprotect of " + bytes + " bytes of linear memory failed");
        }
        MemorySegment record = arena.allocate(ContextLayout.MEMORY_RECORD_BYTES, 16);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BASE, slot);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BYTES, bytes);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_MAX_PAGES, maxPages);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_GROW, growFunction.address());
        return record;
    }

    /** Maps code read+execute inside the code range; the segment is added to mappings. */
    static synchronized MemorySegment code(byte[] bytes, List<MemorySegment> mappings) {
        reserve();
        long size = Math.max(HOST_PAGE, (bytes.length + HOST_PAGE - 1) / HOST_PAGE * HOST_PAGE);
        if (codeNext + size > codeStart + CODE_BYTES) {
            throw new IllegalStateException("the guard-region code range is used up");
        }
        long at = codeNext;
        codeNext += size;
        MemorySegment code = MemorySegment.ofAddress(at).reinterpret(size);
        NativeMemory.protect(code, NativeMemory.PROT_READ | NativeMemory.PROT_WRITE);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, code, 0, bytes.length);
        NativeMemory.protect(code, NativeMemory.PROT_READ | NativeMemory.PROT_EXEC);
        mappings.add(code);
        return code;
    }

    /** Whether m was handed out here (and so must be given back with {@link #release}). */
    static synchronized boolean owns(MemorySegment m) {
        long a = m.address();
        return memoryStart != 0 && (a >= memoryStart && a < memoryStart + SLOTS * SLOT_BYTES
                || a >= codeStart && a < codeStart + CODE_BYTES);
    }

    /** Drops the pages of a memory slot or code mapping; a slot becomes free for the next memory. */
    static synchronized void release(MemorySegment m) {
        NativeMemory.resetToNone(m.address(), m.byteSize());
        if (m.address() >= memoryStart && m.address() < memoryStart + SLOTS * SLOT_BYTES) {
            freeSlots.push(m.address());
        }
    }

    /**
     * The grow function (see {@link ContextLayout#MEMORY_GROW}): the memory is the calling context's,
     * which may be imported. Growth fails (-1) beyond the maximum or when the kernel refuses the
     * pages, as the spec allows. An upcall must never throw, so anything unexpected is a trap code.
     */
    private static int grow(MemorySegment context, MemorySegment slotsAddress) {
        try {
            long recordAddress = context.reinterpret(ContextLayout.MEMORY + 8)
                    .get(ValueLayout.JAVA_LONG, ContextLayout.MEMORY);
            MemorySegment record = MemorySegment.ofAddress(recordAddress).reinterpret(ContextLayout.MEMORY_RECORD_BYTES);
            MemorySegment slots = slotsAddress.reinterpret(8);
            long delta = slots.get(ValueLayout.JAVA_LONG, 0) & 0xFFFF_FFFFL;
            long bytes = record.get(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BYTES);
            long oldPages = bytes / Records.PAGE;
            long newPages = oldPages + delta;
            long base = record.get(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BASE);
            boolean grown = newPages <= record.get(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_MAX_PAGES)
                    && (delta == 0 || NativeMemory.tryProtect(base + bytes, delta * Records.PAGE,
                            NativeMemory.PROT_READ | NativeMemory.PROT_WRITE));
            if (grown) {
                record.set(ValueLayout.JAVA_LONG, ContextLayout.MEMORY_BYTES, newPages * Records.PAGE);
            }
            slots.set(ValueLayout.JAVA_LONG, 0, grown ? oldPages : 0xFFFF_FFFFL);
            return 0;
        } catch (Throwable t) {
            return TrapKind.HOST_FAILURE.code();
        }
    }
}
