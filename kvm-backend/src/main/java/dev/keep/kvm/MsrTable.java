package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Builds and reads struct kvm_msrs with its flexible array of kvm_msr_entry. */
final class MsrTable {

    private static final long ENTRIES = KvmStructs.KVM_MSRS.byteOffset(groupElement("entries"));
    private static final long ENTRY_SIZE = KvmStructs.KVM_MSR_ENTRY.byteSize();
    private static final long INDEX = KvmStructs.KVM_MSR_ENTRY.byteOffset(groupElement("index"));
    private static final long DATA = KvmStructs.KVM_MSR_ENTRY.byteOffset(groupElement("data"));

    private MsrTable() {}

    static MemorySegment of(Arena arena, List<MsrEntry> entries) {
        MemorySegment table = arena.allocate(ENTRIES + ENTRY_SIZE * entries.size(), 8);
        table.set(ValueLayout.JAVA_INT, 0, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            table.set(ValueLayout.JAVA_INT, ENTRIES + i * ENTRY_SIZE + INDEX,
                    entries.get(i).index());
            table.set(ValueLayout.JAVA_LONG, ENTRIES + i * ENTRY_SIZE + DATA,
                    entries.get(i).data());
        }
        return table;
    }

    /** The first {@code count} entries (KVM_GET_MSRS answers how many it could read). */
    static List<MsrEntry> read(MemorySegment table, int count) {
        long capacity = (table.byteSize() - ENTRIES) / ENTRY_SIZE;
        int n = (int) Math.min(Math.max(count, 0), capacity);
        List<MsrEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(new MsrEntry(
                    table.get(ValueLayout.JAVA_INT, ENTRIES + i * ENTRY_SIZE + INDEX),
                    table.get(ValueLayout.JAVA_LONG, ENTRIES + i * ENTRY_SIZE + DATA)));
        }
        return entries;
    }
}
