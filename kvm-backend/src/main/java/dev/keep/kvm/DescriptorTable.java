package dev.keep.kvm;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * GDTR or IDTR (struct kvm_dtable): where the table lives and its limit (size in bytes - 1).
 *
 * @param base linear address of the table
 * @param limit the table's size in bytes minus one, 0..0xffff
 */
public record DescriptorTable(long base, int limit) {

    private static final VarHandle BASE =
            KvmStructs.KVM_DTABLE.varHandle(PathElement.groupElement("base"));
    private static final VarHandle LIMIT =
            KvmStructs.KVM_DTABLE.varHandle(PathElement.groupElement("limit"));

    public DescriptorTable {
        if (limit < 0 || limit > 0xffff) {
            throw new IllegalArgumentException("descriptor table limit out of range: " + limit);
        }
    }

    static DescriptorTable read(MemorySegment memory, long offset) {
        return new DescriptorTable((long) BASE.get(memory, offset),
                Short.toUnsignedInt((short) LIMIT.get(memory, offset)));
    }

    void write(MemorySegment memory, long offset) {
        memory.asSlice(offset, KvmStructs.KVM_DTABLE.byteSize()).fill((byte) 0);
        BASE.set(memory, offset, base);
        LIMIT.set(memory, offset, (short) limit);
    }
}
