package dev.keep.kvm;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One segment register as KVM exposes it (struct kvm_segment): the selector plus the unpacked
 * descriptor cache the CPU actually uses. In 64-bit mode base and limit matter only for FS, GS
 * and TR; type, dpl and the l/db bits decide what a code or stack segment does.
 *
 * @param base linear base address
 * @param limit segment limit in bytes (already scaled when g is set, as KVM reports it)
 * @param selector the visible selector value
 * @param type the 4-bit descriptor type (e.g. 11 = execute/read accessed code, 3 = data)
 * @param present descriptor present bit
 * @param dpl descriptor privilege level, 0-3
 * @param db default operation size (32-bit) bit
 * @param s code/data (true) versus system descriptor (false)
 * @param l 64-bit code segment bit
 * @param g granularity bit
 * @param avl available-to-software bit
 * @param unusable the segment is unusable (a null selector was loaded)
 */
public record Segment(long base, int limit, int selector, int type, boolean present, int dpl,
        boolean db, boolean s, boolean l, boolean g, boolean avl, boolean unusable) {

    private static final VarHandle BASE = handle("base");
    private static final VarHandle LIMIT = handle("limit");
    private static final VarHandle SELECTOR = handle("selector");
    private static final VarHandle TYPE = handle("type");
    private static final VarHandle PRESENT = handle("present");
    private static final VarHandle DPL = handle("dpl");
    private static final VarHandle DB = handle("db");
    private static final VarHandle S = handle("s");
    private static final VarHandle L = handle("l");
    private static final VarHandle G = handle("g");
    private static final VarHandle AVL = handle("avl");
    private static final VarHandle UNUSABLE = handle("unusable");

    public Segment {
        if (selector < 0 || selector > 0xffff) {
            throw new IllegalArgumentException("selector out of range: " + selector);
        }
        if (type < 0 || type > 15) {
            throw new IllegalArgumentException("segment type out of range: " + type);
        }
        if (dpl < 0 || dpl > 3) {
            throw new IllegalArgumentException("dpl out of range: " + dpl);
        }
    }

    private static VarHandle handle(String field) {
        return KvmStructs.KVM_SEGMENT.varHandle(PathElement.groupElement(field));
    }

    private static boolean bit(MemorySegment memory, VarHandle handle, long offset) {
        return (byte) handle.get(memory, offset) != 0;
    }

    /** Reads the kvm_segment that starts {@code offset} bytes into {@code memory}. */
    static Segment read(MemorySegment memory, long offset) {
        return new Segment(
                (long) BASE.get(memory, offset),
                (int) LIMIT.get(memory, offset),
                Short.toUnsignedInt((short) SELECTOR.get(memory, offset)),
                Byte.toUnsignedInt((byte) TYPE.get(memory, offset)),
                bit(memory, PRESENT, offset),
                Byte.toUnsignedInt((byte) DPL.get(memory, offset)),
                bit(memory, DB, offset),
                bit(memory, S, offset),
                bit(memory, L, offset),
                bit(memory, G, offset),
                bit(memory, AVL, offset),
                bit(memory, UNUSABLE, offset));
    }

    /** Writes this segment as a kvm_segment at {@code offset}; the padding byte is zeroed. */
    void write(MemorySegment memory, long offset) {
        memory.asSlice(offset, KvmStructs.KVM_SEGMENT.byteSize()).fill((byte) 0);
        BASE.set(memory, offset, base);
        LIMIT.set(memory, offset, limit);
        SELECTOR.set(memory, offset, (short) selector);
        TYPE.set(memory, offset, (byte) type);
        PRESENT.set(memory, offset, flag(present));
        DPL.set(memory, offset, (byte) dpl);
        DB.set(memory, offset, flag(db));
        S.set(memory, offset, flag(s));
        L.set(memory, offset, flag(l));
        G.set(memory, offset, flag(g));
        AVL.set(memory, offset, flag(avl));
        UNUSABLE.set(memory, offset, flag(unusable));
    }

    private static byte flag(boolean value) {
        return value ? (byte) 1 : (byte) 0;
    }
}
