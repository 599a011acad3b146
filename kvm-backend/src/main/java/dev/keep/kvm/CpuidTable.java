package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Builds and reads struct kvm_cpuid2 with its flexible array of kvm_cpuid_entry2. */
final class CpuidTable {

    private static final long ENTRIES = KvmStructs.KVM_CPUID2.byteOffset(groupElement("entries"));
    private static final long ENTRY_SIZE = KvmStructs.KVM_CPUID_ENTRY2.byteSize();
    private static final String[] FIELDS =
            {"function", "index", "flags", "eax", "ebx", "ecx", "edx"};
    private static final long[] FIELD_OFFSETS = new long[FIELDS.length];

    static {
        for (int f = 0; f < FIELDS.length; f++) {
            FIELD_OFFSETS[f] = KvmStructs.KVM_CPUID_ENTRY2.byteOffset(groupElement(FIELDS[f]));
        }
    }

    private CpuidTable() {}

    /** An empty table with room for {@code capacity} entries; nent says the capacity. */
    static MemorySegment allocate(Arena arena, int capacity) {
        MemorySegment table = arena.allocate(ENTRIES + ENTRY_SIZE * capacity, 8);
        table.set(ValueLayout.JAVA_INT, 0, capacity);
        return table;
    }

    static MemorySegment of(Arena arena, List<CpuidEntry> entries) {
        MemorySegment table = allocate(arena, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            CpuidEntry e = entries.get(i);
            int[] values = {e.function(), e.index(), e.flags(), e.eax(), e.ebx(), e.ecx(), e.edx()};
            for (int f = 0; f < FIELDS.length; f++) {
                table.set(ValueLayout.JAVA_INT, ENTRIES + i * ENTRY_SIZE + FIELD_OFFSETS[f],
                        values[f]);
            }
        }
        return table;
    }

    /** The entries the table holds; a count beyond the allocation is cut to what fits. */
    static List<CpuidEntry> read(MemorySegment table) {
        long capacity = (table.byteSize() - ENTRIES) / ENTRY_SIZE;
        int count = (int) Math.min(Integer.toUnsignedLong(table.get(ValueLayout.JAVA_INT, 0)),
                capacity);
        List<CpuidEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int[] v = new int[FIELDS.length];
            for (int f = 0; f < FIELDS.length; f++) {
                v[f] = table.get(ValueLayout.JAVA_INT, ENTRIES + i * ENTRY_SIZE + FIELD_OFFSETS[f]);
            }
            entries.add(new CpuidEntry(v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
        }
        return entries;
    }
}
